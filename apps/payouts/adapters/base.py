"""One interface for every way money leaves the network: :class:`SettlementAdapter`.

``apps.payouts.services.submission`` is the only caller. It claims a payout (committed), then calls
``adapter_for(payout.batch.processor).submit(payout)`` outside any transaction and applies the
:class:`SubmitResult` it gets back:

- ``accepted``  — the processor took the payout; ``reference`` is its id for it. The final
  answer (paid / failed) arrives later: a signed callback (sandbox), a poll, or an operator.
- ``paid``      — the processor says it is paid already (synchronous APIs).
- ``failed``    — refused, with a :data:`FAILURE_CODES` code. Transient codes
  (``insufficient_funds`` on the processor's side, ``processor_unavailable``, ...) are retried
  with exponential backoff; permanent ones fail the payout, return the money to ``available``
  and flag the creator's payout method with the code's plain-words message.
- ``awaiting_file`` — file processors (SEPA, NACHA, Paxum CSV, Wise CSV): nothing is sent; an
  operator exports the batch file, uploads it to the bank, and then marks payouts paid/failed
  or uploads the result file (``payout_mark_paid`` / ``payout_mark_failed``).

Contract for ``submit`` (what makes "never pay twice" hold):

1. It sends ``payout.idempotency_key`` (``str(uuid)``) to the processor as its idempotency
   key, so a repeat — after a worker died between the processor's answer and our database
   write — gets the first transfer back, never a second one.
2. It never writes to FanzDash's database itself and is never called inside a transaction
   (architecture rule 3); it only returns what the processor said.
3. It does not raise for a processor's answer: a refusal is ``SubmitResult.failed(code)``
   (``processor_unavailable`` for a processor that said it did not process the request, e.g.
   a 503). When the outcome is unknown — a timeout, a dropped connection, an answer it cannot
   read — it returns ``failed("outcome_unknown")``; an unexpected exception is treated by the
   caller the same way. ``outcome_unknown`` is retried (same key) without ever giving up, so
   money that may have left is never returned to the creator by a retry limit.

Registering an adapter::

    @register_adapter(file_format="sepa")          # every Processor with file_format "sepa"
    class SepaFileAdapter(FileSettlementAdapter): ...

    @register_adapter(method_type="sandbox")       # or processor_code="wise-api", ...
    class SandboxAdapter(SettlementAdapter): ...

``adapter_for(processor)`` looks up, in order, the processor's ``code``, then (file processors)
its ``file_format``, then its ``method_type``. A file processor with no specific adapter gets
:class:`FileSettlementAdapter` (awaiting_file, operator settles by hand); an API processor with
none is refused (``ApplicationError("no_adapter")``) before anything is claimed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from apps.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from apps.payouts.models import Payout, PayoutBatch, Processor


# --- failure codes --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FailureCode:
    """A reason a payout failed: machine code, what the creator reads, and whether trying
    again later can succeed (transient) or the creator must change something (permanent)."""

    code: str
    message: str
    transient: bool
    # Whether the creator's payout method is flagged ``needs_attention`` (the method itself is
    # the problem). Transient codes and our own give-ups never flag it.
    flags_method: bool = True


_CODES = [
    FailureCode(
        "account_closed",
        "The bank says this account is closed. Please add a new payout method.",
        transient=False,
    ),
    FailureCode(
        "invalid_account_number",
        "The bank does not recognise this account number. Please check your payout method "
        "details or add a new one.",
        transient=False,
    ),
    FailureCode(
        "account_not_found",
        "The payment provider could not find this account. Please check your payout method "
        "details.",
        transient=False,
    ),
    FailureCode(
        "account_frozen",
        "Your account at the payment provider is frozen or blocked. Please contact them, or "
        "add a new payout method.",
        transient=False,
    ),
    FailureCode(
        "name_mismatch",
        "The account holder's name does not match the name on your profile. Please check "
        "your payout method details.",
        transient=False,
    ),
    FailureCode(
        "currency_not_supported",
        "This account cannot receive payments in this currency. Please add a payout method "
        "for this currency.",
        transient=False,
    ),
    FailureCode(
        "amount_over_limit",
        "The payment provider refused this amount for your account. Please contact support.",
        transient=False,
    ),
    FailureCode(
        "compliance_rejected",
        "The payment provider declined this payout after a compliance review. Please contact "
        "support.",
        transient=False,
    ),
    FailureCode(
        "invalid_details",
        "Some of your payout method details are missing or invalid. Please update your "
        "payout method.",
        transient=False,
    ),
    FailureCode(
        "returned_by_bank",
        "Your bank returned this payment. Please check your payout method details or add a "
        "new one.",
        transient=False,
    ),
    FailureCode(
        "processor_rejected",
        "The payment provider refused this payout. Our team has been told and will contact "
        "you if anything is needed.",
        transient=False,
    ),
    FailureCode(
        "retries_exhausted",
        "We could not reach the payment provider after several tries. Your money is back in "
        "your available balance and will go out with the next payout.",
        transient=False,
        flags_method=False,
    ),
    # Transient: the processor's side, not the creator's; tried again with backoff.
    FailureCode(
        "insufficient_funds",
        "The payment provider was short of funds for a moment; we will try again shortly.",
        transient=True,
        flags_method=False,
    ),
    FailureCode(
        "processor_unavailable",
        "The payment provider could not be reached; we will try again shortly.",
        transient=True,
        flags_method=False,
    ),
    FailureCode(
        "outcome_unknown",
        "The payment provider did not answer clearly; we are checking with them. Your money "
        "is safe and nothing will be paid twice.",
        transient=True,
        flags_method=False,
    ),
    FailureCode(
        "rate_limited",
        "The payment provider asked us to slow down; we will try again shortly.",
        transient=True,
        flags_method=False,
    ),
]

FAILURE_CODES: dict[str, FailureCode] = {code.code: code for code in _CODES}

# A code a processor sends that we do not know: permanent (never retry what we do not
# understand), told to the creator in general words.
UNKNOWN_FAILURE = FAILURE_CODES["processor_rejected"]


def failure_for(code: str) -> FailureCode:
    """The :class:`FailureCode` for ``code`` (an unknown code: permanent, general words)."""
    found = FAILURE_CODES.get(code)
    if found is not None:
        return found
    return FailureCode(code, UNKNOWN_FAILURE.message, transient=False)


def failure_message(code: str) -> str:
    """The plain-words message a creator reads for ``code``."""
    return failure_for(code).message


def is_transient(code: str) -> bool:
    return failure_for(code).transient


# --- results --------------------------------------------------------------------------------


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    PAID = "paid"
    FAILED = "failed"
    AWAITING_FILE = "awaiting_file"


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What a processor answered to one ``submit``. Build it with the class methods."""

    outcome: Outcome
    reference: str = ""
    failure_code: str = ""
    detail: str = ""
    # What the processor sent, for the ProcessorEvent trail (no secrets, no full account
    # numbers: adapters keep only what an operator needs to trace the transfer).
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def accepted(cls, reference: str, *, raw: dict | None = None) -> SubmitResult:
        if not reference:
            raise ValueError("an accepted payout needs the processor's reference")
        return cls(Outcome.ACCEPTED, reference=reference, raw=raw or {})

    @classmethod
    def paid(cls, reference: str, *, raw: dict | None = None) -> SubmitResult:
        if not reference:
            raise ValueError("a paid payout needs the processor's reference")
        return cls(Outcome.PAID, reference=reference, raw=raw or {})

    @classmethod
    def failed(
        cls, code: str, detail: str = "", *, reference: str = "", raw: dict | None = None
    ) -> SubmitResult:
        return cls(
            Outcome.FAILED, reference=reference, failure_code=code, detail=detail, raw=raw or {}
        )

    @classmethod
    def awaiting_file(cls) -> SubmitResult:
        return cls(Outcome.AWAITING_FILE)

    @property
    def transient(self) -> bool:
        """A failure worth retrying later (False for every other outcome)."""
        return self.outcome == Outcome.FAILED and is_transient(self.failure_code)


# --- adapters -------------------------------------------------------------------------------


class SettlementAdapter:
    """How payouts reach one processor. Subclasses set ``settlement`` and implement
    :meth:`submit`. An instance is made per call by :func:`adapter_for` (cheap, stateless)."""

    settlement: ClassVar[str] = "api"  # Processor.Settlement value: "api" or "file"

    def __init__(self, processor: Processor) -> None:
        self.processor = processor

    def submit(self, payout: Payout) -> SubmitResult:  # pragma: no cover - interface
        """Send one payout with ``payout.idempotency_key``; see the module's contract."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """A batch file an operator uploads to the bank or processor."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class ResultLine:
    """One line of a bank's / processor's result file, matched to a payout. ``outcome`` is
    ``Outcome.PAID`` or ``Outcome.FAILED`` (then ``failure_code`` from FAILURE_CODES)."""

    payout_id: int
    outcome: Outcome
    reference: str = ""
    failure_code: str = ""
    detail: str = ""


class FileSettlementAdapter(SettlementAdapter):
    """File processors: submitting sends nothing (the payout waits for the operator's file);
    file adapters (apps/payouts/adapters/files/) add ``export`` and ``parse_result``."""

    settlement: ClassVar[str] = "file"

    def submit(self, payout: Payout) -> SubmitResult:
        return SubmitResult.awaiting_file()

    def export(self, batch: PayoutBatch) -> ExportedFile:  # pragma: no cover - interface
        raise ApplicationError(
            "no_file_format",
            f"Processor {self.processor.code} has no file format FanzDash can generate.",
        )

    def parse_result(
        self, batch: PayoutBatch, content: bytes
    ) -> list[ResultLine]:  # pragma: no cover - interface
        raise ApplicationError(
            "no_result_format",
            f"Processor {self.processor.code} has no result file FanzDash can read; mark "
            "payouts paid or failed by hand.",
        )


# --- registry -------------------------------------------------------------------------------

_BY_CODE: dict[str, type[SettlementAdapter]] = {}
_BY_FILE_FORMAT: dict[str, type[SettlementAdapter]] = {}
_BY_METHOD_TYPE: dict[str, type[SettlementAdapter]] = {}

# Modules whose import registers adapters; a missing one is skipped (it may not exist yet).
ADAPTER_MODULES = (
    "apps.payouts.adapters.sandbox",
    "apps.payouts.adapters.files",
)
_loaded = False


def register_adapter(
    *,
    processor_code: str | None = None,
    file_format: str | None = None,
    method_type: str | None = None,
) -> Callable[[type[SettlementAdapter]], type[SettlementAdapter]]:
    """Class decorator: use this adapter for the processor with ``processor_code``, for
    file processors with ``file_format``, or for processors of ``method_type``."""
    if not (processor_code or file_format or method_type):
        raise ValueError("register_adapter needs processor_code, file_format or method_type")

    def decorate(cls: type[SettlementAdapter]) -> type[SettlementAdapter]:
        if processor_code:
            _BY_CODE[processor_code] = cls
        if file_format:
            _BY_FILE_FORMAT[file_format] = cls
        if method_type:
            _BY_METHOD_TYPE[method_type] = cls
        return cls

    return decorate


def _load_adapters() -> None:
    global _loaded
    if _loaded:
        return
    for module in ADAPTER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:  # the module exists but something it imports is missing
                raise
    _loaded = True


def adapter_for(processor: Processor) -> SettlementAdapter:
    """The adapter that settles payouts of ``processor``; ``ApplicationError("no_adapter")``
    for an API processor nothing can submit to."""
    _load_adapters()
    cls = _BY_CODE.get(processor.code)
    if cls is None and processor.settlement == "file":
        cls = _BY_FILE_FORMAT.get(processor.file_format or "")
    if cls is None:
        cls = _BY_METHOD_TYPE.get(processor.method_type)
    if cls is None and processor.settlement == "file":
        cls = FileSettlementAdapter
    if cls is None:
        raise ApplicationError(
            "no_adapter",
            f"FanzDash has no adapter to submit payouts to {processor.name} "
            f"({processor.code}) yet.",
            status_code=409,
        )
    return cls(processor)
