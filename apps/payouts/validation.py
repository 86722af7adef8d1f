"""Payout method details checked on entry, per method type, with errors in plain words.

``payout_details_validate(method_type, details, asset=...)`` returns the cleaned details (what
gets sealed: normalised IBAN, upper-case BIC, digits only, ...) and ``{field: [messages]}``.
Nothing here touches the database.

- IBAN and BIC: ``schwifty`` (country formats, check digits, national checks where it has them).
- US bank account: ABA routing number (9 digits, the 3-7-1 checksum), account number of 4 to
  17 digits, checking or savings.
- Bitcoin: Base58Check P2PKH (``1...``) and P2SH (``3...``) with their checksum (``base58``),
  and SegWit ``bc1`` addresses in bech32 (version 0) or bech32m (version 1 and up), BIP-173/350.
- Ethereum and ERC-20 tokens (ETH, USDT, USDC): ``0x`` + 40 hex digits; a mixed-case address
  must carry a valid EIP-55 checksum (Keccak-256 from ``pycryptodome``).
- Paxum, Payoneer, ePayService: an email address; Wise: the holder's name and an email
  and/or an IBAN.
- Check: a postal address.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import base58
import pycountry
from Crypto.Hash import keccak
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from .models import Processor

MethodType = Processor.MethodType

Errors = dict[str, list[str]]


@dataclass
class DetailsResult:
    cleaned: dict = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


# --- small helpers ---------------------------------------------------------------------


def _text(details: dict, name: str) -> str:
    value = details.get(name, "")
    if value is None:
        return ""
    return " ".join(str(value).split())


def _required_text(
    details: dict, result: DetailsResult, name: str, label: str, *, max_length: int = 140
) -> str:
    value = _text(details, name)
    if not value:
        result.add(name, f"Enter the {label}.")
    elif len(value) > max_length:
        result.add(name, f"The {label} is too long (at most {max_length} characters).")
    else:
        result.cleaned[name] = value
    return value


def _optional_text(
    details: dict, result: DetailsResult, name: str, label: str, *, max_length: int = 140
) -> str:
    value = _text(details, name)
    if value and len(value) > max_length:
        result.add(name, f"The {label} is too long (at most {max_length} characters).")
    elif value:
        result.cleaned[name] = value
    return value


def _compact(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def country_code_valid(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


# --- IBAN / BIC ------------------------------------------------------------------------


def iban_clean(value: str) -> tuple[str, str | None]:
    """(compact IBAN, None) or ("", plain-words error)."""
    compact = _compact(value)
    if not compact:
        return "", "Enter the IBAN."
    try:
        iban = IBAN(compact)
    except SchwiftyException as error:
        return "", _iban_words(error)
    return iban.compact, None


def _iban_words(error: SchwiftyException) -> str:
    name = type(error).__name__
    if name == "InvalidChecksumDigits":
        return "This IBAN's check digits do not match: please check it for a typing mistake."
    if name == "InvalidCountryCode":
        return "This IBAN does not start with a known country code."
    if name in {"InvalidLength", "InvalidStructure"}:
        return "This IBAN has the wrong length or format for its country."
    if name == "InvalidBBANChecksum":
        return "This IBAN's national account check does not match: please check it."
    return "This is not a valid IBAN."


@lru_cache(maxsize=4096)
def bic_clean(value: str) -> tuple[str, str | None]:
    """(compact BIC, None) or ("", plain-words error). Cached: a bank file names the same few
    banks thousands of times, and a schwifty BIC check costs ~25 µs (benchmarks/payouts_files)."""
    compact = _compact(value)
    if not compact:
        return "", "Enter the BIC (SWIFT code)."
    try:
        bic = BIC(compact)
    except SchwiftyException as error:
        name = type(error).__name__
        if name == "InvalidLength":
            return "", "A BIC (SWIFT code) has 8 or 11 characters."
        if name == "InvalidCountryCode":
            return "", "This BIC (SWIFT code) does not contain a known country code."
        return "", "This is not a valid BIC (SWIFT code)."
    return bic.compact, None


def _optional_bic(details: dict, result: DetailsResult) -> None:
    """A BIC, when one is given, checked and kept compact."""
    bic_text = _text(details, "bic")
    if bic_text:
        bic, error = bic_clean(bic_text)
        if error:
            result.add("bic", error)
        else:
            result.cleaned["bic"] = bic


def _validate_iban(details: dict, result: DetailsResult) -> None:
    _required_text(details, result, "account_holder", "account holder's name")
    iban, error = iban_clean(_text(details, "iban"))
    if error:
        result.add("iban", error)
    else:
        parsed = IBAN(iban)
        if not parsed.in_sepa_zone:
            result.add("iban", "SEPA transfers only reach IBANs in the SEPA area; use a wire.")
        else:
            result.cleaned["iban"] = iban
    _optional_bic(details, result)


# --- US bank account (ACH) -------------------------------------------------------------

ABA_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)


def aba_routing_valid(number: str) -> bool:
    """Nine digits whose 3-7-1 weighted sum is a multiple of ten (and not all zeros)."""
    if not re.fullmatch(r"\d{9}", number) or number == "000000000":
        return False
    return sum(int(d) * w for d, w in zip(number, ABA_WEIGHTS, strict=True)) % 10 == 0


ACCOUNT_TYPES = {"checking": "Checking", "savings": "Savings"}


def _validate_us_bank(details: dict, result: DetailsResult) -> None:
    _required_text(details, result, "account_holder", "account holder's name", max_length=22)
    routing = re.sub(r"[\s-]", "", _text(details, "routing_number"))
    if not routing:
        result.add("routing_number", "Enter the 9-digit routing number.")
    elif not re.fullmatch(r"\d{9}", routing):
        result.add("routing_number", "A routing number has exactly 9 digits.")
    elif not aba_routing_valid(routing):
        result.add(
            "routing_number",
            "This routing number's check digit does not match: please check it.",
        )
    else:
        result.cleaned["routing_number"] = routing
    account = re.sub(r"[\s-]", "", _text(details, "account_number"))
    if not account:
        result.add("account_number", "Enter the account number.")
    elif not account.isdigit():
        result.add("account_number", "An account number has digits only.")
    elif not 4 <= len(account) <= 17:
        result.add("account_number", "An account number has 4 to 17 digits.")
    else:
        result.cleaned["account_number"] = account
    account_type = _text(details, "account_type").lower()
    if account_type not in ACCOUNT_TYPES:
        result.add("account_type", "Choose checking or savings.")
    else:
        result.cleaned["account_type"] = account_type


# --- wire (SWIFT) ----------------------------------------------------------------------


def _validate_wire(details: dict, result: DetailsResult) -> None:
    _required_text(details, result, "account_holder", "account holder's name")
    _required_text(details, result, "bank_name", "bank's name")
    bic, error = bic_clean(_text(details, "bic"))
    if error:
        result.add("bic", error)
    else:
        result.cleaned["bic"] = bic
    country = _text(details, "bank_country").upper()
    if not country:
        result.add("bank_country", "Choose the bank's country.")
    elif not country_code_valid(country):
        result.add("bank_country", "Give the bank's country as a two-letter code, like DE.")
    else:
        result.cleaned["bank_country"] = country
        if bic and not error and BIC(bic).country_code != country:
            result.add(
                "bic",
                f"This SWIFT code belongs to a bank in {BIC(bic).country_code}, not {country}.",
            )
    iban_text = _text(details, "iban")
    account_text = _text(details, "account_number")
    if iban_text:
        iban, iban_error = iban_clean(iban_text)
        if iban_error:
            result.add("iban", iban_error)
        else:
            result.cleaned["iban"] = iban
    elif account_text:
        account = re.sub(r"\s", "", account_text).upper()
        if not re.fullmatch(r"[A-Z0-9]{1,34}", account):
            result.add(
                "account_number",
                "An account number has letters and digits only, at most 34.",
            )
        else:
            result.cleaned["account_number"] = account
    else:
        result.add("account_number", "Enter the IBAN or the account number.")
    _optional_text(details, result, "bank_address", "bank's address", max_length=200)


# --- crypto ----------------------------------------------------------------------------

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            checksum ^= generator[i] if ((top >> i) & 1) else 0
    return checksum


def _bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_decode(address: str) -> tuple[str, list[int], int] | None:
    """(hrp, data without checksum, checksum constant) or None (BIP-173/BIP-350)."""
    if any(ord(x) < 33 or ord(x) > 126 for x in address):
        return None
    if address.lower() != address and address.upper() != address:
        return None
    address = address.lower()
    pos = address.rfind("1")
    if pos < 1 or pos + 7 > len(address) or len(address) > 90:
        return None
    if not all(x in BECH32_CHARSET for x in address[pos + 1 :]):
        return None
    hrp = address[:pos]
    data = [BECH32_CHARSET.find(x) for x in address[pos + 1 :]]
    const = _bech32_polymod(_bech32_hrp_expand(hrp) + data)
    if const not in (BECH32_CONST, BECH32M_CONST):
        return None
    return hrp, data[:-6], const


def _convert_bits(data: list[int], from_bits: int, to_bits: int) -> list[int] | None:
    acc = bits = 0
    result = []
    maxv = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            return None
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            result.append((acc >> bits) & maxv)
    if bits >= from_bits or ((acc << (to_bits - bits)) & maxv):
        return None
    return result


def segwit_decode(hrp: str, address: str) -> tuple[int, bytes] | None:
    """(witness version, program) of a SegWit address for ``hrp`` ("bc"), or None."""
    decoded = bech32_decode(address)
    if decoded is None or decoded[0] != hrp or not decoded[1]:
        return None
    _, data, const = decoded
    program = _convert_bits(data[1:], 5, 8)
    version = data[0]
    if program is None or not 2 <= len(program) <= 40 or version > 16:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    # BIP-350: version 0 uses bech32, every later version bech32m.
    if (version == 0) != (const == BECH32_CONST):
        return None
    return version, bytes(program)


BTC_BASE58_VERSIONS = {0x00: "P2PKH", 0x05: "P2SH"}
BTC_TESTNET_BASE58_VERSIONS = {0x6F, 0xC4}


def btc_address_error(address: str) -> str | None:
    """None when ``address`` is a valid Bitcoin mainnet address, else why not."""
    if not address:
        return "Enter the wallet address."
    lowered = address.lower()
    if lowered.startswith(("tb1", "bcrt1")):
        return "This is a testnet address; give a Bitcoin mainnet address."
    if lowered.startswith("bc1"):
        if segwit_decode("bc", address) is None:
            return (
                "This bc1 address is not valid (a typing mistake, or a mix of upper and "
                "lower case): please copy it again from your wallet."
            )
        return None
    if address[0] in "mn2":
        return "This is a testnet address; give a Bitcoin mainnet address."
    if address[0] not in "13":
        return "A Bitcoin address starts with 1, 3 or bc1."
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        return "This Bitcoin address's checksum does not match: please copy it again."
    if len(payload) != 21 or payload[0] not in BTC_BASE58_VERSIONS:
        return "This is not a Bitcoin address."
    return None


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of a 0x address."""
    hex_part = address[2:].lower()
    digest = keccak256(hex_part.encode()).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_part)
    )


def eth_address_error(address: str) -> str | None:
    """None when ``address`` is a valid Ethereum address, else why not. All lower-case or
    all upper-case carries no checksum and is accepted; mixed case must match EIP-55."""
    if not address:
        return "Enter the wallet address."
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        return "An Ethereum address is 0x followed by 40 hexadecimal characters."
    body = address[2:]
    if int(body, 16) == 0:
        return "This is the zero address: money sent there is lost."
    if body.lower() != body and body.upper() != body and eip55_checksum(address) != address:
        return (
            "This address's capital letters do not match its checksum (EIP-55): "
            "please copy it again from your wallet."
        )
    return None


CRYPTO_ASSETS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "BTC": ("Bitcoin", btc_address_error),
    "ETH": ("Ethereum", eth_address_error),
    "USDT": ("Ethereum (ERC-20)", eth_address_error),
    "USDC": ("Ethereum (ERC-20)", eth_address_error),
}


def _validate_crypto(details: dict, result: DetailsResult, asset: str) -> None:
    asset = (asset or _text(details, "asset")).upper()
    if asset not in CRYPTO_ASSETS:
        result.add("asset", "Choose one of BTC, ETH, USDT or USDC.")
        return
    result.cleaned["asset"] = asset
    result.cleaned["network"] = CRYPTO_ASSETS[asset][0]
    address = "".join(_text(details, "address").split())
    error = CRYPTO_ASSETS[asset][1](address)
    if error:
        result.add("address", error)
    else:
        # bech32 addresses are case-insensitive: keep the canonical lower case.
        result.cleaned["address"] = (
            address.lower() if address.lower().startswith("bc1") else (address)
        )


# --- email-based accounts --------------------------------------------------------------


def _validate_email_account(details: dict, result: DetailsResult, label: str) -> None:
    email = _text(details, "email").lower()
    if not email:
        result.add("email", f"Enter the email address of your {label} account.")
        return
    try:
        validate_email(email)
    except ValidationError:
        result.add("email", "This is not a valid email address.")
    else:
        result.cleaned["email"] = email


def _validate_paxum(details: dict, result: DetailsResult) -> None:
    _validate_email_account(details, result, "Paxum")


def _validate_payoneer(details: dict, result: DetailsResult) -> None:
    _validate_email_account(details, result, "Payoneer")


def _validate_epayservice(details: dict, result: DetailsResult) -> None:
    _validate_email_account(details, result, "ePayService")


def _validate_wise(details: dict, result: DetailsResult) -> None:
    """A Wise recipient: the holder's name and an email, an IBAN, or both (an IBAN is paid
    to directly; email only, and Wise asks the creator for their bank details)."""
    _required_text(details, result, "account_holder", "account holder's name")
    has_iban = bool(_text(details, "iban"))
    if _text(details, "email") or not has_iban:
        _validate_email_account(details, result, "Wise")
    if has_iban:
        iban, error = iban_clean(_text(details, "iban"))
        if error:
            result.add("iban", error)
        else:
            result.cleaned["iban"] = iban
        _optional_bic(details, result)


# --- paper check -----------------------------------------------------------------------


def _validate_check(details: dict, result: DetailsResult) -> None:
    _required_text(details, result, "payee_name", "name to write on the check", max_length=100)
    _required_text(details, result, "address_line1", "street address", max_length=100)
    _optional_text(details, result, "address_line2", "second address line", max_length=100)
    _required_text(details, result, "city", "city", max_length=60)
    country = _text(details, "country").upper()
    if not country:
        result.add("country", "Choose the country.")
    elif not country_code_valid(country):
        result.add("country", "Give the country as a two-letter code, like US.")
    else:
        result.cleaned["country"] = country
    region = _text(details, "region")
    postal = _text(details, "postal_code").upper()
    if country == "US":
        if not re.fullmatch(r"[A-Z]{2}", region.upper()):
            result.add("region", "Give the state as its two-letter code, like NY.")
        else:
            result.cleaned["region"] = region.upper()
        if not re.fullmatch(r"\d{5}(-\d{4})?", postal):
            result.add("postal_code", "A US ZIP code is 5 digits, or 5+4 like 10001-1234.")
        else:
            result.cleaned["postal_code"] = postal
    else:
        _optional_text(details, result, "region", "region", max_length=60)
        if not postal:
            result.add("postal_code", "Enter the postal code.")
        elif not re.fullmatch(r"[A-Z0-9][A-Z0-9 -]{1,11}", postal):
            result.add("postal_code", "This is not a valid postal code.")
        else:
            result.cleaned["postal_code"] = postal


# --- sandbox ---------------------------------------------------------------------------


def _validate_sandbox(details: dict, result: DetailsResult) -> None:
    _required_text(details, result, "account", "sandbox account name", max_length=64)
    # A demo or test may name the outcome the sandbox processor should answer with.
    _optional_text(details, result, "outcome", "sandbox outcome", max_length=64)


VALIDATORS: dict[str, Callable[[dict, DetailsResult], None]] = {
    MethodType.IBAN: _validate_iban,
    MethodType.US_BANK: _validate_us_bank,
    MethodType.WIRE: _validate_wire,
    MethodType.PAXUM: _validate_paxum,
    MethodType.PAYONEER: _validate_payoneer,
    MethodType.EPAYSERVICE: _validate_epayservice,
    MethodType.WISE: _validate_wise,
    MethodType.CHECK: _validate_check,
    MethodType.SANDBOX: _validate_sandbox,
}


def payout_details_validate(method_type: str, details: dict, *, asset: str = "") -> DetailsResult:
    """Check ``details`` for ``method_type`` (a Processor.MethodType value); for crypto, the
    processor's ``crypto_asset``. Only the fields of that type are kept in ``cleaned``."""
    result = DetailsResult()
    if not isinstance(details, dict):
        result.add("details", "Payout details must be a set of named fields.")
        return result
    if method_type == MethodType.CRYPTO:
        _validate_crypto(details, result, asset)
    elif method_type in VALIDATORS:
        VALIDATORS[method_type](details, result)
    else:
        result.add("processor", "This processor does not take payout details yet.")
    if result.errors:
        result.cleaned = {}
    return result


# --- what screens show -----------------------------------------------------------------


def _last(value: str, n: int = 4) -> str:
    return value[-n:] if value else ""


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:2]}…@{domain}"


def payout_details_hint(method_type: str, cleaned: dict) -> str:
    """A short, non-secret description of validated details: "IBAN DE89 …3000"."""
    if method_type == MethodType.IBAN:
        iban = cleaned["iban"]
        return f"IBAN {iban[:4]} …{_last(iban)}"
    if method_type == MethodType.US_BANK:
        kind = ACCOUNT_TYPES[cleaned["account_type"]]
        return f"{kind} …{_last(cleaned['account_number'])} (routing {cleaned['routing_number']})"
    if method_type == MethodType.WIRE:
        account = cleaned.get("iban") or cleaned.get("account_number", "")
        return f"Wire {cleaned['bic']} …{_last(account)}"
    if method_type == MethodType.CRYPTO:
        address = cleaned["address"]
        return f"{cleaned['asset']} {address[:6]}…{_last(address)}"
    if method_type == MethodType.WISE and "email" not in cleaned:
        return f"Wise IBAN {cleaned['iban'][:4]} …{_last(cleaned['iban'])}"
    if method_type in {
        MethodType.PAXUM,
        MethodType.PAYONEER,
        MethodType.EPAYSERVICE,
        MethodType.WISE,
    }:
        return f"{MethodType(method_type).label.split(' ')[0]} {_mask_email(cleaned['email'])}"
    if method_type == MethodType.CHECK:
        return f"Check to {cleaned['city']}, {cleaned['country']}"
    if method_type == MethodType.SANDBOX:
        return f"Sandbox {cleaned['account'][:40]}"
    return MethodType(method_type).label
