"""The personal-data registry: every app that holds personal data declares it here, once, in
its own ``personal_data.py`` (registered from its ``AppConfig.ready()``), so that a GDPR/CCPA
access request gathers everything and an erasure pseudonymises everything — and a new app
cannot forget (``tests/compliance/test_personal_data_registry.py`` fails when a model with an
email-, name-, address- or username-like field belongs to no registration).

Core imports no app: the compliance app drives the registry (``subject_expand``,
``subject_export``, ``subject_holds``, ``subject_erase``) and each app plugs into it.

A registration gives:

- ``describe``: what personal data the app holds, in words (shown on the request page);
- ``models``: the models it covers (``"app_label.ModelName"``), checked by the test above;
- ``identify(subject)``: add what the app knows about the subject (ids, emails, names) — run
  until nothing new is found, so a platform user id leads to the creator, the creator to the
  user, the user to the email;
- ``export(subject) -> {table: [row, ...]}``: every personal datum, JSON-ready;
- ``erase(subject, pseudonym) -> {table: rows changed}``: pseudonymise in place (idempotent:
  a second run changes nothing and counts 0);
- ``holds(subject) -> [reason, ...]``: why the data may not be erased now (a legal hold, a
  retention period, a payout in flight); any reason refuses the erasure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

# Names shorter than this are too common to search for in free text (they are still erased
# from the fields that hold them).
MIN_TERM_LENGTH = 3


@dataclass
class Subject:
    """Everything known to identify one data subject, gathered across apps."""

    user_ids: set[int] = field(default_factory=set)
    creator_ids: set[int] = field(default_factory=set)
    # (platform id, the platform's user id), e.g. (3, "creator456") or (3, "fan_77")
    platform_users: set[tuple[int, str]] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    # The apps that found something about the subject.
    found_by: set[str] = field(default_factory=set)

    def add_emails(self, values: Iterable[str | None]) -> None:
        self.emails |= {value.strip().lower() for value in values if value and value.strip()}

    def add_names(self, values: Iterable[str | None]) -> None:
        self.names |= {" ".join(value.split()) for value in values if value and value.strip()}

    def key(self) -> tuple:
        return (
            frozenset(self.user_ids),
            frozenset(self.creator_ids),
            frozenset(self.platform_users),
            frozenset(self.emails),
            frozenset(self.names),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.user_ids or self.creator_ids or self.platform_users or self.emails)

    def terms(self) -> list[str]:
        """The emails and names to look for in free text and JSON, longest first (so a full
        name is replaced before a part of it), leaving out pseudonyms already written."""
        values = {
            value
            for value in self.emails | self.names
            if len(value) >= MIN_TERM_LENGTH and not Pseudonym.is_pseudonym(value)
        }
        return sorted(values, key=lambda value: (-len(value), value))


@dataclass(frozen=True)
class Pseudonym:
    """What replaces the subject's data: ``Erased subject #12``, ``erased-12@invalid``."""

    number: int

    @property
    def name(self) -> str:
        return f"Erased subject #{self.number}"

    @property
    def email(self) -> str:
        return f"erased-{self.number}@invalid"

    @property
    def username(self) -> str:
        return f"erased-{self.number}"

    def email_for(self, index: int) -> str:
        """A distinct address for the subject's second, third... account (emails are unique)."""
        return self.email if index == 0 else f"erased-{self.number}-{index}@invalid"

    @staticmethod
    def is_pseudonym(value: str) -> bool:
        return bool(
            re.fullmatch(r"(erased subject #\d+|erased-\d+(-\d+)?(@invalid)?)", value, re.I)
        )


@dataclass(frozen=True)
class Registration:
    app_label: str
    part: str
    describe: str
    models: tuple[str, ...]
    export: Callable[[Subject], dict[str, list[dict]]]
    erase: Callable[[Subject, Pseudonym], dict[str, int]]
    holds: Callable[[Subject], list[str]]
    identify: Callable[[Subject], None] | None

    @property
    def key(self) -> str:
        """``accounts``, or ``compliance.gdpr`` for one part of an app that registers several
        (an app with one module per obligation registers one part per module)."""
        return f"{self.app_label}.{self.part}" if self.part else self.app_label


_REGISTRY: dict[str, Registration] = {}


def register(
    app_label: str,
    *,
    describe: str,
    part: str = "",
    export: Callable[[Subject], dict[str, list[dict]]],
    erase: Callable[[Subject, Pseudonym], dict[str, int]],
    holds: Callable[[Subject], list[str]] | None = None,
    identify: Callable[[Subject], None] | None = None,
    models: Iterable[str] = (),
) -> None:
    """Declare ``app_label``'s personal data (call it from the app's ``AppConfig.ready()``;
    registering again replaces the registration, so a reload does not double it). An app
    whose personal data lives in several modules registers each with its own ``part``."""
    registration = Registration(
        app_label=app_label,
        part=part,
        describe=describe,
        models=tuple(models),
        export=export,
        erase=erase,
        holds=holds or (lambda subject: []),
        identify=identify,
    )
    _REGISTRY[registration.key] = registration


def registrations() -> list[Registration]:
    return [_REGISTRY[label] for label in sorted(_REGISTRY)]


def registered_models() -> set[str]:
    """Every ``app_label.ModelName`` (lower case) some registration covers."""
    return {label.lower() for reg in _REGISTRY.values() for label in reg.models}


def subject_expand(subject: Subject, *, rounds: int = 5) -> Subject:
    """Let every app add what it knows until nothing new appears (a few rounds at most)."""
    for _ in range(rounds):
        before = subject.key()
        for registration in registrations():
            if registration.identify is not None:
                registration.identify(subject)
        if subject.key() == before:
            break
    return subject


def subject_export(subject: Subject) -> dict[str, dict[str, list[dict]]]:
    return {reg.key: reg.export(subject) for reg in registrations()}


def subject_holds(subject: Subject) -> list[str]:
    return [reason for reg in registrations() for reason in reg.holds(subject)]


def subject_erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, dict[str, int]]:
    return {reg.key: reg.erase(subject, pseudonym) for reg in registrations()}


# --- helpers for the apps' erase and export functions ---------------------------------------


def _pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    # Whole words only: "Creator 3" must not touch "Creator 31", "ann@x.test" not "joann@x.test".
    alternatives = "|".join(re.escape(term) for term in terms)
    return re.compile(rf"(?<![\w.+@-])(?:{alternatives})(?![\w@-]|\.\w)", re.IGNORECASE)


def scrub(value: Any, subject: Subject, pseudonym: Pseudonym, *, _pattern_cache=None) -> Any:
    """``value`` (a string or JSON) with every email of the subject replaced by the pseudonym's
    email and every name by the pseudonym's name. Keys, numbers, dates and ids stay."""
    pattern = _pattern_cache if _pattern_cache is not None else _pattern(subject.terms())
    if pattern is None:
        return value
    emails = subject.emails

    def replace(match: re.Match) -> str:
        return pseudonym.email if match.group(0).lower() in emails else pseudonym.name

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(replace, item)
        if isinstance(item, dict):
            return {key: walk(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value)


def pseudonymise_rows(
    queryset: models.QuerySet,
    fields: Iterable[str],
    subject: Subject,
    pseudonym: Pseudonym,
    *,
    extra: models.Q | None = None,
) -> int:
    """Replace the subject's emails and names inside ``fields`` (text or JSON) of the rows of
    ``queryset`` that mention one of them (found in the database with ``icontains``; replaced
    as whole words). ``extra`` adds rows to look at. Written with ``update()`` (timestamps
    stay); returns how many rows changed."""
    fields = list(fields)
    terms = subject.terms()
    condition = models.Q()
    for term in terms:
        for name in fields:
            condition |= models.Q(**{f"{name}__icontains": term})
    if extra is not None:
        condition |= extra
    if not condition:
        return 0
    pattern = _pattern(terms)
    changed = 0
    for row in queryset.filter(condition).only("pk", *fields).iterator(chunk_size=500):
        updates = {}
        for name in fields:
            value = getattr(row, name)
            new = scrub(value, subject, pseudonym, _pattern_cache=pattern) if pattern else value
            if new != value:
                updates[name] = new
        if updates:
            queryset.model._default_manager.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed


def rows(queryset: models.QuerySet, fields: Iterable[str], *, limit: int = 10_000) -> list[dict]:
    """The rows of ``queryset`` as JSON-ready dicts of ``fields`` (``values()`` names, so
    ``platform__slug`` works), bounded."""
    out = []
    for row in queryset.values(*fields)[:limit]:
        out.append({key: _jsonable(value) for key, value in row.items()})
    return out


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)
