"""Receipts for what a department put in its intake folder that is not a file: a link
(a shortcut to a file elsewhere) or a sub-folder. Neither is opened or followed; the
department is told once per entry, and the data team sees a log line each run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orchestration.contract.findings import RuleCatalogue
from orchestration.intake.folders import RefusedEntry
from orchestration.receipts.writer import Receipt, receipt_name, write_receipt

KIND_LABELS = {
    "link": "链接（快捷方式）",
    "folder": "文件夹",
    "special": "特殊文件（管道、设备等）",
}


def refusal_receipt_path(entry: RefusedEntry, outbox_root: Path) -> Path:
    return outbox_root / entry.department_code / receipt_name(entry.path.name, entry.identity)


def unanswered(refused: list[RefusedEntry], outbox_root: Path) -> list[RefusedEntry]:
    """The refused entries without their receipt yet: each needs a run to answer it."""
    return [r for r in refused if not refusal_receipt_path(r, outbox_root).exists()]


def answer_refused_entries(
    refused: list[RefusedEntry],
    outbox_root: Path,
    rules: RuleCatalogue,
    departments: dict[str, str],
    now: dt.datetime,
) -> list[Path]:
    """Write a receipt for each refused entry not yet answered; return the receipts written."""
    written = []
    for entry in refused:
        path = refusal_receipt_path(entry, outbox_root)
        if path.exists():
            continue
        finding = rules.finding(
            "INTAKE_ENTRY_REFUSED", value=entry.path.name, detail=KIND_LABELS[entry.kind]
        )
        receipt = Receipt(
            file_name=entry.path.name,
            department=departments.get(entry.department_code, entry.department_code),
            return_title=None,
            period=None,
            received_at=now.strftime("%Y-%m-%d %H:%M:%S"),
            sha256="（未读取）",
            outcome="rejected",
            rows_read=0,
            rows_loaded=0,
            note=f"{KIND_LABELS[entry.kind]}不予打开，其中内容未读取。",
            findings=[finding],
        )
        written.append(write_receipt(receipt, path))
    return written
