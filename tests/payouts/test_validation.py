"""Payout details validated on entry, per method type, with public test vectors."""

from __future__ import annotations

import pytest

from apps.payouts.models import Processor
from apps.payouts.validation import (
    aba_routing_valid,
    btc_address_error,
    eip55_checksum,
    eth_address_error,
    payout_details_hint,
    payout_details_validate,
)

T = Processor.MethodType


def ok(method_type, details, **kw):
    result = payout_details_validate(method_type, details, **kw)
    assert result.errors == {}, result.errors
    return result.cleaned


def errors(method_type, details, **kw):
    result = payout_details_validate(method_type, details, **kw)
    assert result.errors, "expected errors"
    assert result.cleaned == {}
    for messages in result.errors.values():
        assert all(isinstance(m, str) and m.endswith((".", ":")) for m in messages)
    return result.errors


# --- IBAN / SEPA -------------------------------------------------------------------------


def test_iban_valid_is_normalised_and_hinted():
    cleaned = ok(
        T.IBAN,
        {
            "account_holder": " Ana  Example ",
            "iban": "de89 3704 0044 0532 0130 00",
            "bic": "cobadeffxxx",
        },
    )
    assert cleaned == {
        "account_holder": "Ana Example",
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
    }
    assert payout_details_hint(T.IBAN, cleaned) == "IBAN DE89 …3000"


@pytest.mark.parametrize(
    "iban, words",
    [
        ("DE89370400440532013001", "check digits"),
        ("DE8937040044053201300", "wrong length"),
        ("XX89370400440532013000", "country code"),
        ("", "Enter the IBAN"),
    ],
)
def test_iban_invalid(iban, words):
    found = errors(T.IBAN, {"account_holder": "Ana", "iban": iban})
    assert words in " ".join(found["iban"])


def test_iban_outside_sepa_is_refused_for_sepa():
    # A valid Brazilian IBAN: not reachable by a SEPA transfer.
    found = errors(T.IBAN, {"account_holder": "Ana", "iban": "BR1800360305000010009795493C1"})
    assert "SEPA" in found["iban"][0]


def test_iban_bad_bic_and_missing_holder():
    found = errors(T.IBAN, {"iban": "DE89370400440532013000", "bic": "COBADE"})
    assert set(found) == {"account_holder", "bic"}
    assert "8 or 11" in found["bic"][0]


# --- US bank (ACH) -----------------------------------------------------------------------


@pytest.mark.parametrize("routing", ["011000015", "021000021", "026009593", "121000358"])
def test_aba_routing_checksum_valid(routing):
    assert aba_routing_valid(routing)


@pytest.mark.parametrize(
    "routing", ["011000016", "000000000", "12345678", "0110000150", "01100001a"]
)
def test_aba_routing_checksum_invalid(routing):
    assert not aba_routing_valid(routing)


def test_us_bank_valid():
    cleaned = ok(
        T.US_BANK,
        {
            "account_holder": "Sam Doe",
            "routing_number": "011000015",
            "account_number": "0001234567",
            "account_type": "Checking",
        },
    )
    assert cleaned["account_type"] == "checking"
    assert payout_details_hint(T.US_BANK, cleaned) == "Checking …4567 (routing 011000015)"


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("routing_number", "011000016", "check digit"),
        ("routing_number", "1100001", "exactly 9 digits"),
        ("account_number", "123", "4 to 17 digits"),
        ("account_number", "123456789012345678", "4 to 17 digits"),
        ("account_number", "12AB5678", "digits only"),
        ("account_type", "brokerage", "checking or savings"),
        ("account_holder", "A" * 23, "too long"),
    ],
)
def test_us_bank_invalid(field, value, words):
    details = {
        "account_holder": "Sam Doe",
        "routing_number": "011000015",
        "account_number": "0001234567",
        "account_type": "savings",
        field: value,
    }
    found = errors(T.US_BANK, details)
    assert list(found) == [field]
    assert words in found[field][0]


# --- wire --------------------------------------------------------------------------------


def _wire(**changes):
    details = {
        "account_holder": "Ana Example",
        "bank_name": "Commerzbank",
        "bic": "COBADEFFXXX",
        "bank_country": "de",
        "iban": "DE89370400440532013000",
    }
    details.update(changes)
    return {k: v for k, v in details.items() if v is not None}


def test_wire_valid_with_iban_or_account_number():
    cleaned = ok(T.WIRE, _wire())
    assert cleaned["bank_country"] == "DE"
    assert payout_details_hint(T.WIRE, cleaned) == "Wire COBADEFFXXX …3000"
    cleaned = ok(
        T.WIRE, _wire(iban=None, account_number="12 3456 789", bic="CHASUS33", bank_country="US")
    )
    assert cleaned["account_number"] == "123456789"


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"bic": "NOTABIC"}, "bic", "8 or 11"),
        ({"bank_country": "ZZ"}, "bank_country", "two-letter code"),
        ({"bank_country": "FR"}, "bic", "in DE, not FR"),
        ({"iban": None}, "account_number", "IBAN or the account number"),
        ({"iban": None, "account_number": "12-34/56"}, "account_number", "letters and digits"),
        ({"iban": "DE89370400440532013001"}, "iban", "check digits"),
        ({"bank_name": ""}, "bank_name", "Enter the bank's name"),
    ],
)
def test_wire_invalid(changes, field, words):
    found = errors(T.WIRE, _wire(**changes))
    assert field in found
    assert words in " ".join(found[field])


# --- crypto ------------------------------------------------------------------------------

BTC_VALID = [
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # P2PKH
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # P2SH
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # P2WPKH (BIP-173)
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  # upper case is fine
    "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",  # P2WSH
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",  # taproot (BIP-350)
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "BC1SW50QGDZ25J",  # v16
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",  # v2
]

BTC_INVALID = [
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  # base58 checksum
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN",  # truncated
    "4J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # wrong prefix
    "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet P2PKH
    "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet bech32
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # bech32 checksum
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with a bech32m checksum
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 with bech32
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # v16 with bech32
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # invalid character
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # version 17
    "bc1pw5dgrnzv",  # program of 1 byte
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # v0 program of 16 bytes
    "bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # mixed case
    "bc1gmk9yu",  # empty data
    "",
]


@pytest.mark.parametrize("address", BTC_VALID)
def test_btc_valid(address):
    assert btc_address_error(address) is None


@pytest.mark.parametrize("address", BTC_INVALID)
def test_btc_invalid(address):
    assert btc_address_error(address)


def test_btc_testnet_is_named():
    assert "testnet" in btc_address_error("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx")
    assert "testnet" in btc_address_error("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn")


def test_btc_method_keeps_bech32_lower_case_and_hints():
    cleaned = ok(T.CRYPTO, {"address": "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"}, asset="BTC")
    assert cleaned == {
        "asset": "BTC",
        "network": "Bitcoin",
        "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    }
    assert payout_details_hint(T.CRYPTO, cleaned) == "BTC bc1qw5…f3t4"


# EIP-55's own examples.
ETH_CHECKSUMMED = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", ETH_CHECKSUMMED)
def test_eip55_vectors(address):
    assert eip55_checksum(address.lower()) == address
    assert eth_address_error(address) is None


@pytest.mark.parametrize(
    "address",
    [
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",  # all lower: no checksum to check
        "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",  # all upper
    ],
)
def test_eth_single_case_is_accepted(address):
    assert eth_address_error(address) is None


@pytest.mark.parametrize(
    "address, words",
    [
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "checksum"),  # one letter's case
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "40 hexadecimal"),
        ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "40 hexadecimal"),
        ("0xZaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "40 hexadecimal"),
        ("0x" + "0" * 40, "zero address"),
    ],
)
def test_eth_invalid(address, words):
    assert words in eth_address_error(address)


@pytest.mark.parametrize("asset", ["ETH", "USDT", "USDC"])
def test_erc20_assets_take_ethereum_addresses(asset):
    cleaned = ok(T.CRYPTO, {"address": ETH_CHECKSUMMED[0]}, asset=asset)
    assert cleaned["address"] == ETH_CHECKSUMMED[0]
    found = errors(T.CRYPTO, {"address": BTC_VALID[0]}, asset=asset)
    assert "0x" in found["address"][0]


def test_crypto_unknown_asset_and_btc_on_eth():
    assert "asset" in errors(T.CRYPTO, {"address": BTC_VALID[0]}, asset="DOGE")
    assert "address" in errors(T.CRYPTO, {"address": ETH_CHECKSUMMED[0]}, asset="BTC")


# --- email accounts ----------------------------------------------------------------------


@pytest.mark.parametrize("method_type", [T.PAXUM, T.PAYONEER, T.EPAYSERVICE])
def test_email_accounts(method_type):
    cleaned = ok(method_type, {"email": " Ana@Example.COM "})
    assert cleaned == {"email": "ana@example.com"}
    assert payout_details_hint(method_type, cleaned).endswith("an…@example.com")
    assert "valid email" in errors(method_type, {"email": "ana@"})["email"][0]
    assert "Enter the email" in errors(method_type, {})["email"][0]


def test_wise_needs_holder_and_email_or_iban():
    assert ok(T.WISE, {"account_holder": "Ana", "email": "ana@example.com"})
    cleaned = ok(T.WISE, {"account_holder": "Ana", "iban": "DE89370400440532013000"})
    assert cleaned == {"account_holder": "Ana", "iban": "DE89370400440532013000"}
    assert payout_details_hint(T.WISE, cleaned) == "Wise IBAN DE89 …3000"
    both = ok(
        T.WISE,
        {
            "account_holder": "Ana",
            "email": "a@example.com",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFF",
        },
    )
    assert payout_details_hint(T.WISE, both) == "Wise a…@example.com"
    assert set(errors(T.WISE, {"email": "nope"})) == {"account_holder", "email"}
    assert set(errors(T.WISE, {"account_holder": "Ana"})) == {"email"}
    found = errors(T.WISE, {"account_holder": "Ana", "iban": "DE89370400440532013001", "bic": "X"})
    assert set(found) == {"iban", "bic"}
    assert payout_details_hint(T.PAXUM, {"email": "ana@example.com"}) == "Paxum an…@example.com"


# --- check -------------------------------------------------------------------------------


def test_check_us_address():
    cleaned = ok(
        T.CHECK,
        {
            "payee_name": "Sam Doe",
            "address_line1": "1 Main St",
            "city": "Springfield",
            "region": "il",
            "postal_code": "62701-1234",
            "country": "us",
        },
    )
    assert cleaned["region"] == "IL" and cleaned["country"] == "US"
    assert payout_details_hint(T.CHECK, cleaned) == "Check to Springfield, US"


def test_check_invalid_address():
    found = errors(
        T.CHECK,
        {
            "payee_name": "",
            "address_line1": "1 Main St",
            "city": "X",
            "postal_code": "6270",
            "country": "US",
        },
    )
    assert set(found) == {"payee_name", "region", "postal_code"}
    found = errors(T.CHECK, {"payee_name": "A", "address_line1": "B", "city": "C", "country": "QQ"})
    assert set(found) == {"country", "postal_code"}


def test_check_other_country_postal_code():
    assert ok(
        T.CHECK,
        {
            "payee_name": "Ana",
            "address_line1": "Unter den Linden 1",
            "city": "Berlin",
            "postal_code": "10117",
            "country": "DE",
        },
    )


# --- the rest ----------------------------------------------------------------------------


def test_only_the_fields_of_the_type_are_kept():
    cleaned = ok(T.PAXUM, {"email": "a@example.com", "iban": "DE89370400440532013000", "x": 1})
    assert cleaned == {"email": "a@example.com"}


def test_not_a_dict_and_unknown_type():
    assert "details" in payout_details_validate(T.PAXUM, ["a"]).errors
    assert "processor" in payout_details_validate("carrier_pigeon", {}).errors


def test_sandbox():
    cleaned = ok(T.SANDBOX, {"account": "demo-1", "outcome": "account_closed"})
    assert cleaned == {"account": "demo-1", "outcome": "account_closed"}
    assert "account" in errors(T.SANDBOX, {})
