"""One run's ingest: every archived delivery not yet in the build database goes through
the stages in order (read → validate → load → receipt), each file on its own.

Works from the archive's journal, not from the intake folder, so a run that died after
archiving picks up where it stopped, and a rebuild replays the whole archive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from orchestration.contract.findings import RuleCatalogue
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import Contract, ReturnSpec
from orchestration.intake.archive import Archive, Delivery
from orchestration.load.raw_store import RawStore, local_naive
from orchestration.read.limits import Limits
from orchestration.read.return_parser import ParseContext, ParsedReturn, parse_return
from orchestration.read.workbook import DEFAULT_LIMITS
from orchestration.receipts.writer import Receipt, receipt_name, write_receipt
from orchestration.runtime.failpoints import failpoint
from orchestration.runtime.file_faults import LOAD, READ, RECEIPT, VALIDATE, FileFault, file_stage
from orchestration.validate.expectations.validator import ReturnValidator
from orchestration.validate.file_name import invalid_name_finding
from orchestration.validate.return_check import outcome_of, validate_return


@dataclass(frozen=True)
class FileResult:
    delivery_id: str
    sha256: str
    department: str
    original_name: str
    return_code: str | None
    period: str | None
    outcome: str
    rows_read: int
    rows_loaded: int
    receipt: str
    fault: str | None = None  # the traceback of a failure of the file's own, for the data team


@dataclass(frozen=True)
class IngestContext:
    contract: Contract
    returns: dict[str, ReturnSpec]
    reference: Reference
    rules: RuleCatalogue
    limits: Limits = DEFAULT_LIMITS


def _stamp(moment: dt.datetime) -> str:
    return local_naive(moment).strftime("%Y-%m-%d %H:%M:%S")


def ingest_pending(
    archive: Archive,
    store: RawStore,
    outbox_root: Path,
    ctx: IngestContext,
    validator_factory: Callable[[], ReturnValidator],
    parse: Callable = parse_return,
    keep_sent_receipts: bool = False,
) -> list[FileResult]:
    """Process every journalled delivery not yet recorded, in the order received.

    The validator (Great Expectations, seconds to import) is made only if a file comes.
    A receipt already in the outbox for a delivery not recorded is rewritten (an earlier
    run died before recording it), unless ``keep_sent_receipts`` (a rebuild replays
    deliveries whose receipts were sent).
    """
    done = store.recorded_delivery_ids()
    results = []
    validator = None
    try:
        for delivery in archive.deliveries():
            if delivery.delivery_id in done:
                continue
            if validator is None:
                validator = _MadeAside(validator_factory)
            results.append(
                _ingest_one(
                    delivery, archive, store, outbox_root, ctx, validator, parse, keep_sent_receipts
                )
            )
    finally:
        if validator is not None:
            validator.close()
    return results


class _MadeAside:
    """A value made in a thread of its own: Great Expectations takes seconds to import, which
    overlap the first file's read in the parse child instead of adding to it."""

    def __init__(self, make: Callable[[], ReturnValidator]):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="validator")
        self._future = self._pool.submit(make)

    def __call__(self) -> ReturnValidator:
        return self._future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _ingest_one(
    delivery: Delivery,
    archive: Archive,
    store: RawStore,
    outbox_root: Path,
    ctx: IngestContext,
    validator: _MadeAside,
    parse: Callable,
    keep_sent_receipts: bool,
) -> FileResult:
    outbox = outbox_root / delivery.intake_department
    replace = not keep_sent_receipts
    dept_name = ctx.reference.departments.get(
        delivery.intake_department, delivery.intake_department
    )
    first = store.first_delivery_of(delivery.sha256)
    if first is not None:
        first_name, first_received, first_return, first_period = first
        first_spec = ctx.returns.get(first_return or "")
        finding = ctx.rules.finding(
            "DUPLICATE_FILE",
            detail=f"{first_received:%Y-%m-%d %H:%M:%S}（{first_name}）",
        )
        path = outbox / receipt_name(delivery.original_name, delivery.sha256, duplicate=True)
        write_receipt(
            Receipt(
                file_name=delivery.original_name,
                department=dept_name,
                return_title=first_spec.title if first_spec else None,
                period=first_period,
                received_at=_stamp(delivery.received),
                sha256=delivery.sha256,
                outcome="duplicate",
                rows_read=0,
                rows_loaded=0,
                note=finding.message,
                findings=[],
            ),
            path,
            replace,
        )
        store.record_duplicate(delivery, str(path))
        return FileResult(
            delivery.delivery_id,
            delivery.sha256,
            delivery.intake_department,
            delivery.original_name,
            None,
            None,
            "duplicate",
            0,
            0,
            str(path),
        )

    received = local_naive(delivery.received)
    parse_ctx = ParseContext(
        contract=ctx.contract,
        returns=ctx.returns,
        reference=ctx.reference,
        rules=ctx.rules,
        received_month=f"{received.year:04d}-{received.month:02d}",
        limits=ctx.limits,
        archive_first_year=store.first_period_year(),
    )
    what = f"{delivery.intake_department}/{delivery.original_name} ({delivery.sha256[:12]})"
    answer = _Answer(delivery, dept_name, ctx.returns, store, what, replace)
    parsed = ParsedReturn(intake_department=delivery.intake_department)
    fault = None
    try:
        bad_name = invalid_name_finding(delivery.original_name, ctx.rules)
        if bad_name is not None:
            parsed = dataclasses.replace(parsed, findings=[bad_name])
        else:
            with file_stage(READ, what):
                parsed = parse(archive.blob_path(delivery), delivery.intake_department, parse_ctx)
            ready = validator()  # outside the file's stages: a broken validator stops the run
            with file_stage(VALIDATE, what):
                parsed = validate_return(
                    parsed,
                    parse_ctx.for_period(parsed.period),
                    ready,
                    history=store,
                    file_name=delivery.original_name,
                )
    except FileFault as exc:
        fault = exc
        parsed = exc.applied_to(parsed, ctx.rules)

    outcome = outcome_of(parsed)
    earlier = None
    if outcome != "rejected":
        earlier = store.current_version(parsed.department_code, parsed.return_code, parsed.period)
    path = outbox / receipt_name(delivery.original_name, delivery.sha256)
    try:
        answer(parsed, outcome, earlier, path)
    except FileFault as exc:
        # Nothing of the file stays loaded; it is answered as returned, with the fault.
        fault = exc
        parsed, outcome = exc.applied_to(parsed, ctx.rules), "rejected"
        answer(parsed, outcome, None, path)
    return FileResult(
        delivery.delivery_id,
        delivery.sha256,
        delivery.intake_department,
        delivery.original_name,
        parsed.return_code,
        parsed.period,
        outcome,
        parsed.rows_read,
        len(parsed.rows_to_load),
        str(path),
        fault=None if fault is None else fault.trace,
    )


@dataclass(frozen=True)
class _Answer:
    """Loads a file's rows and records it, writes its receipt, then commits: a crash before
    the commit leaves the file to be taken again."""

    delivery: Delivery
    department_name: str
    returns: dict[str, ReturnSpec]
    store: RawStore
    what: str
    replace_receipt: bool

    def __call__(self, parsed: ParsedReturn, outcome: str, earlier, path: Path) -> None:
        with file_stage(LOAD, self.what):
            self.store.stage_file(self.delivery, parsed, outcome, str(path))
        try:
            with file_stage(RECEIPT, self.what):
                write_receipt(self._receipt(parsed, outcome, earlier), path, self.replace_receipt)
        except BaseException:
            self.store.discard_file()
            raise
        failpoint("load.receipt_written")
        self.store.commit_file()
        failpoint("load.file_recorded")

    def _receipt(self, parsed: ParsedReturn, outcome: str, earlier) -> Receipt:
        notes = []
        if outcome == "rejected":
            notes.append("文件已退回，数据未入库。请按问题清单修改后重新报送整个文件。")
        if outcome == "accepted_with_warnings":
            notes.append(
                "数据已入库。问题清单中的核实性问题请逐条核实：数据有误的，请更正后重新报送"
                "整个文件（新文件将替代本文件）；数据属实的，请向区统计局说明原因。"
            )
        if outcome != "rejected" and earlier is not None:
            notes.append(
                f"本文件为更正报送，替代 {earlier.received_at:%Y-%m-%d %H:%M:%S} 收到的"
                f"《{earlier.original_name}》；原文件留档备查。"
            )
        note = "".join(notes) or None
        spec = self.returns.get(parsed.return_code or "")
        return Receipt(
            file_name=self.delivery.original_name,
            department=self.department_name,
            return_title=spec.title if spec else None,
            period=parsed.period,
            received_at=_stamp(self.delivery.received),
            sha256=self.delivery.sha256,
            outcome=outcome,
            rows_read=parsed.rows_read,
            rows_loaded=len(parsed.rows_to_load),
            note=note,
            findings=parsed.findings,
        )
