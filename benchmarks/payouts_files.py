"""Bank files for 10,000 payouts: the SEPA pain.001 XML (with and without XSD validation)
and the NACHA ACH file, beside a raw baseline that writes the same bytes with plain string
formatting.

    .venv/bin/python benchmarks/payouts_files.py [--payouts 10000] [--repeat 3]

No database: the :class:`FileLine` rows are built in memory (the formats are pure functions
of them; reading and decrypting 10,000 payout methods is the batch builder's cost, measured
in benchmarks/payouts.py). Each case runs ``--repeat`` times; the best and the median
wall-clock time are printed, then the peak memory of one more run under ``tracemalloc``
(Python allocations only; timing runs are made without it, as it slows allocation down).

The baseline is what the bytes cost at the least: f-strings over the same, already clean
values, no checks (no IBAN or routing checksum, no text cleaning, no XSD). The script
checks that the baseline's bytes are identical to the library path's, so both write the same
file, and exits 1 if not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
os.environ.setdefault("FANZDASH_DATA_DIR", tempfile.mkdtemp(prefix="fd-bench-files-"))
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from apps.payouts.adapters.files.common import FileHeader, FileLine  # noqa: E402
from apps.payouts.adapters.files.nacha import nacha_file  # noqa: E402
from apps.payouts.adapters.files.sepa import (  # noqa: E402
    end_to_end_id,
    sepa_credit_transfer_xml,
    sepa_validate,
)

HEADER = FileHeader(
    originator_name="FanzDash Network",
    message_id="FANZDASH-B1",
    execution_date=date(2026, 12, 2),
    created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    iban="DE89370400440532013000",
    bic="COBADEFFXXX",
    ach_odfi_routing="021000021",
    ach_odfi_name="DEMO BANK",
    ach_company_id="1234567890",
)
IBANS = [
    ("FR1420041010050500013M02606", "BNPAFRPP"),
    ("DE89370400440532013000", ""),
    ("NL91ABNA0417164300", "ABNANL2A"),
    ("ES9121000418450200051332", ""),
    ("IT60X0542811101000000123456", "BPMOIT22XXX"),
]
ROUTINGS = ["011000015", "021000021", "026009593", "121000358", "111000025"]


def sepa_lines(count: int) -> list[FileLine]:
    return [
        FileLine(
            payout_id=i + 1,
            reference=str(uuid.UUID(int=i + 1)),
            name=f"Creator Number {i + 1}",
            amount_minor=1000 + (i * 7919) % 500_000,
            currency="EUR",
            iban=IBANS[i % 5][0],
            bic=IBANS[i % 5][1],
            description=f"FanzDash payout {i + 1}",
        )
        for i in range(count)
    ]


def ach_lines(count: int) -> list[FileLine]:
    return [
        FileLine(
            payout_id=i + 1,
            reference=str(uuid.UUID(int=i + 1)),
            name=f"Creator Number {i + 1}",
            amount_minor=1000 + (i * 7919) % 500_000,
            currency="USD",
            routing_number=ROUTINGS[i % 5],
            account_number=str(10_000_000 + i),
            account_type="savings" if i % 3 == 0 else "checking",
        )
        for i in range(count)
    ]


# --- the raw baselines ------------------------------------------------------------------


def cents(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def sepa_baseline(header: FileHeader, lines: list[FileLine]) -> bytes:
    total = cents(sum(line.amount_minor for line in lines))
    count = len(lines)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
        'pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<CstmrCdtTrfInitn><GrpHdr><MsgId>{header.message_id}</MsgId>"
        f"<CreDtTm>{header.created_at:%Y-%m-%dT%H:%M:%S}</CreDtTm><NbOfTxs>{count}</NbOfTxs>"
        f"<CtrlSum>{total}</CtrlSum><InitgPty><Nm>{header.originator_name}</Nm></InitgPty>"
        f"</GrpHdr><PmtInf><PmtInfId>{header.message_id}-1</PmtInfId><PmtMtd>TRF</PmtMtd>"
        f"<BtchBookg>true</BtchBookg><NbOfTxs>{count}</NbOfTxs><CtrlSum>{total}</CtrlSum>"
        "<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>"
        f"<ReqdExctnDt>{header.execution_date.isoformat()}</ReqdExctnDt>"
        f"<Dbtr><Nm>{header.originator_name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{header.iban}"
        f"</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId><BIC>{header.bic}</BIC></FinInstnId>"
        "</DbtrAgt><ChrgBr>SLEV</ChrgBr>"
    ]
    for line in lines:
        agent = (
            f"<CdtrAgt><FinInstnId><BIC>{line.bic}</BIC></FinInstnId></CdtrAgt>" if line.bic else ""
        )
        parts.append(
            f"<CdtTrfTxInf><PmtId><EndToEndId>{uuid.UUID(line.reference).hex}</EndToEndId>"
            f'</PmtId><Amt><InstdAmt Ccy="EUR">{cents(line.amount_minor)}</InstdAmt></Amt>'
            f"{agent}<Cdtr><Nm>{line.name}</Nm></Cdtr><CdtrAcct><Id><IBAN>{line.iban}</IBAN>"
            f"</Id></CdtrAcct><RmtInf><Ustrd>{line.description}</Ustrd></RmtInf></CdtTrfTxInf>"
        )
    parts.append("</PmtInf></CstmrCdtTrfInitn></Document>")
    return "".join(parts).encode()


def nacha_baseline(header: FileHeader, lines: list[FileLine]) -> str:
    odfi = header.ach_odfi_routing[:8]
    created = header.created_at
    effective = header.execution_date.strftime("%y%m%d")
    name = header.originator_name.upper()
    records = [
        f"101 {header.ach_odfi_routing}{header.ach_company_id:<10}{created:%y%m%d%H%M}A094101"
        f"{header.ach_odfi_name.upper():<23}{name:<23}{header.message_id[-8:]:<8}",
        f"5220{name[:16]:<16}{'':20}{header.ach_company_id:<10}PPD{'PAYOUT':<10}{effective}"
        f"{effective}   1{odfi}0000001",
    ]
    entry_hash = 0
    total = 0
    for sequence, line in enumerate(lines, start=1):
        code = "32" if line.account_type == "savings" else "22"
        identification = uuid.UUID(line.reference).hex[:15].upper()
        records.append(
            f"6{code}{line.routing_number}{line.account_number:<17}{line.amount_minor:010d}"
            f"{identification:<15}{line.name.upper()[:22]:<22}  0{odfi}{sequence:07d}"
        )
        entry_hash += int(line.routing_number[:8])
        total += line.amount_minor
    count = len(lines)
    records.append(
        f"8220{count:06d}{entry_hash % 10**10:010d}{0:012d}{total:012d}"
        f"{header.ach_company_id:<10}{'':25}{odfi}0000001"
    )
    blocks = -(-(len(records) + 1) // 10)
    records.append(
        f"9{1:06d}{blocks:06d}{count:08d}{entry_hash % 10**10:010d}{0:012d}{total:012d}{'':39}"
    )
    records.extend(["9" * 94] * (blocks * 10 - len(records)))
    return "\n".join(records) + "\n"


# --- measuring ----------------------------------------------------------------------------


def timed(function: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def peak_memory(function: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payouts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    sepa_rows = sepa_lines(args.payouts)
    ach_rows = ach_lines(args.payouts)
    sepa_validate(sepa_credit_transfer_xml(HEADER, sepa_rows[:1], validate=False))  # load XSD
    document = sepa_credit_transfer_xml(HEADER, sepa_rows, validate=False)

    cases: list[tuple[str, Callable[[], object]]] = [
        ("SEPA XML, no XSD validation", lambda: sepa_credit_transfer_xml(HEADER, sepa_rows,
                                                                        validate=False)),
        ("SEPA XML, with XSD validation", lambda: sepa_credit_transfer_xml(HEADER, sepa_rows)),
        ("  of which XSD validation alone", lambda: sepa_validate(document)),
        ("SEPA baseline (f-strings)", lambda: sepa_baseline(HEADER, sepa_rows)),
        ("NACHA file", lambda: nacha_file(HEADER, ach_rows)),
        ("NACHA baseline (f-strings)", lambda: nacha_baseline(HEADER, ach_rows)),
    ]  # fmt: skip
    print(f"payouts: {args.payouts}, repeat: {args.repeat}, Python {sys.version.split()[0]}")
    print(f"{'case':34} {'best s':>8} {'median s':>9} {'per payout µs':>14} {'peak MiB':>9}")
    results = {}
    for name, function in cases:
        times, result = timed(function, args.repeat)
        results[name] = result
        peak = peak_memory(function)
        print(
            f"{name:34} {min(times):8.3f} {statistics.median(times):9.3f} "
            f"{min(times) / args.payouts * 1e6:14.1f} {peak / 2**20:9.1f}"
        )

    sepa_bytes = results["SEPA XML, no XSD validation"]
    nacha_text = results["NACHA file"]
    print(f"SEPA file: {len(sepa_bytes):,} bytes; NACHA file: {len(nacha_text):,} bytes")
    same_sepa = sepa_bytes == results["SEPA baseline (f-strings)"]
    same_nacha = nacha_text == results["NACHA baseline (f-strings)"]
    print(f"baseline bytes identical: SEPA {same_sepa}, NACHA {same_nacha}")
    assert end_to_end_id(sepa_rows[0].reference) in sepa_bytes.decode()
    return 0 if same_sepa and same_nacha else 1


if __name__ == "__main__":
    sys.exit(main())
