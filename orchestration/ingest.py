"""One run's ingest: every archived delivery not yet in the build database goes through
the stages in order (read → validate → load → receipt), each file judged on its own and
the rows of a batch of files written together.

Works from the archive's journal, not from the intake folder, so a run that died after
archiving picks up where it stopped, and a rebuild replays the whole archive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from orchestration.contract.findings import Finding, RuleCatalogue
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import Contract, ReturnSpec
from orchestration.intake.archive import Archive, Delivery
from orchestration.load.raw_store import BatchNotWritten, RawStore, local_naive
from orchestration.read.limits import Limits
from orchestration.read.return_parser import ParseContext, ParsedReturn, parse_return
from orchestration.read.workbook import DEFAULT_LIMITS
from orchestration.receipts.writer import Receipt, receipt_name, write_receipt
from orchestration.runtime.failpoints import failpoint
from orchestration.runtime.file_faults import (
    ENVIRONMENT_ERRORS,
    LOAD,
    READ,
    RECEIPT,
    VALIDATE,
    FileFault,
    file_stage,
)
from orchestration.validate.expectations.validator import ReturnValidator
from orchestration.validate.file_name import invalid_name_finding
from orchestration.validate.return_check import outcome_of, validate_return

log = logging.getLogger(__name__)


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


# A run reads files until this many rows (or files) wait, then judges them together,
# answers them one by one and writes their rows together: a validation (about 0.3 s
# whatever its rows) and a write (a few statements) are paid once per batch, not per file,
# and memory stays bounded when a rebuild replays years of files (the rows bound it; 2,000
# small returns hold a few tens of MB).
BATCH_ROWS = 100_000
BATCH_FILES = 2_000


def _read_ahead_count(parse: Callable) -> int:
    """Files being read while the run waits for an earlier one (or judges and loads a
    batch): as many as the parser has workers, so none idles and few parsed files wait in
    memory. A plain function reads when asked: none ahead."""
    return getattr(parse, "workers", 0)


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
    pending = [d for d in archive.deliveries() if d.delivery_id not in done]
    if not pending:
        return []
    validator = _MadeAside(validator_factory)
    run = _IngestRun(archive, store, outbox_root, ctx, validator, parse, not keep_sent_receipts)
    results: list[FileResult] = []
    try:
        batch: list[_Read] = []
        rows = 0
        for item in run.read_ahead(pending):
            batch.append(item)
            rows += item.rows
            if rows >= BATCH_ROWS or len(batch) >= BATCH_FILES:
                results += run.judge_and_answer(batch)
                batch, rows = [], 0
        results += run.judge_and_answer(batch)
    finally:
        validator.close()
    return results


def _started(
    parse: Callable, path: Path, intake_department: str, ctx: ParseContext
) -> Callable[[], ParsedReturn]:
    """A read begun (a parser that reads ahead, such as the sandbox, has ``start``), or put
    off until asked for (a plain function)."""
    start = getattr(parse, "start", None)
    if start is not None:
        return start(path, intake_department, ctx)
    return lambda: parse(path, intake_department, ctx)


class _MadeAside:
    """A value made in a thread of its own: Great Expectations takes seconds to import, which
    overlap the first files' read in the parse child instead of adding to it."""

    def __init__(self, make: Callable[[], ReturnValidator]):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="validator")
        self._future = self._pool.submit(make)

    def __call__(self) -> ReturnValidator:
        return self._future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@dataclass
class _Read:
    """One delivery after the read stage, waiting for its batch to be judged."""

    delivery: Delivery
    what: str
    parse_ctx: ParseContext
    parsed: ParsedReturn | None = None  # None: a copy of a file already taken, not read
    fault: FileFault | None = None
    judge: bool = True  # False when refused before reading (its name)
    suite_findings: list[Finding] | None = None  # its expectation suite's, once judged
    reading: Callable[[], ParsedReturn] | None = None  # its read, started and not yet done

    @property
    def rows(self) -> int:
        return len(self.parsed.rows) if self.parsed is not None else 0


@dataclass(frozen=True)
class _IngestRun:
    archive: Archive
    store: RawStore
    outbox_root: Path
    ctx: IngestContext
    validator: _MadeAside
    parse: Callable
    replace_receipts: bool

    # --- read --------------------------------------------------------------------------

    def read_ahead(self, pending: list[Delivery]) -> Iterator[_Read]:
        """Each delivery read, in the order received, while the next ones are being read.

        A file is planned before the files ahead of it are loaded: a second copy planned
        as already taken, or a month refused before the archive's years were known, is
        looked at again when its turn comes (``answer``)."""
        taken: set[str] = set()  # contents planned for reading: a second copy is not read
        reading: deque[_Read] = deque()
        ahead = _read_ahead_count(self.parse)
        for delivery in pending:
            reading.append(self.start_read(delivery, taken))
            taken.add(delivery.sha256)
            if len(reading) > ahead:
                yield self.finish_read(reading.popleft())
        while reading:
            yield self.finish_read(reading.popleft())

    def read(self, delivery: Delivery, taken: set[str]) -> _Read:
        return self.finish_read(self.start_read(delivery, taken))

    def start_read(self, delivery: Delivery, taken: set[str]) -> _Read:
        what = f"{delivery.intake_department}/{delivery.original_name} ({delivery.sha256[:12]})"
        item = _Read(delivery, what, self._parse_context(delivery))
        if delivery.sha256 in taken or self.store.first_delivery_of(delivery.sha256):
            return item  # answered as a duplicate when its turn comes
        item.parsed = ParsedReturn(intake_department=delivery.intake_department)
        bad_name = invalid_name_finding(delivery.original_name, self.ctx.rules)
        if bad_name is not None:
            item.parsed = dataclasses.replace(item.parsed, findings=[bad_name])
            item.judge = False
            return item
        item.reading = _started(
            self.parse, self.archive.blob_path(delivery), delivery.intake_department, item.parse_ctx
        )
        return item

    def finish_read(self, item: _Read) -> _Read:
        reading, item.reading = item.reading, None
        if reading is None:
            return item
        try:
            with file_stage(READ, item.what):
                item.parsed = reading()
        except FileFault as exc:
            item.fault, item.parsed = exc, exc.applied_to(item.parsed, self.ctx.rules)
        return item

    def _parse_context(self, delivery: Delivery) -> ParseContext:
        received = local_naive(delivery.received)
        return ParseContext(
            contract=self.ctx.contract,
            returns=self.ctx.returns,
            reference=self.ctx.reference,
            rules=self.ctx.rules,
            received_month=f"{received.year:04d}-{received.month:02d}",
            limits=self.ctx.limits,
            archive_first_year=self.store.first_period_year(),
        )

    # --- validate (the suites, a batch at a time) --------------------------------------

    def judge(self, batch: list[_Read]) -> None:
        """Each return's suite once over the rows of all the batch's files of that return."""
        waiting = [r for r in batch if r.parsed is not None and r.judge and r.fault is None]
        if not waiting:
            return
        validator = self.validator()  # outside the files' stages: a broken one stops the run
        by_return: dict[str, list[_Read]] = {}
        for item in waiting:
            spec = self.ctx.returns.get(item.parsed.return_code or "")
            if spec is None:
                item.suite_findings = []
            else:
                by_return.setdefault(spec.code, []).append(item)
        for code, items in by_return.items():
            spec = self.ctx.returns[code]
            try:
                found = validator.validate_batch(spec, [i.parsed for i in items])
            except ENVIRONMENT_ERRORS:
                raise
            except Exception as exc:  # one file's rows broke the batch: find which, alone
                log.error("validating %d %s files together failed: %s", len(items), code, exc)
                for item in items:
                    self._judge_alone(validator, spec, item)
                continue
            for item, findings in zip(items, found, strict=True):
                item.suite_findings = findings

    def _judge_alone(self, validator: ReturnValidator, spec: ReturnSpec, item: _Read) -> None:
        try:
            with file_stage(VALIDATE, item.what):
                item.suite_findings = validator.validate(spec, item.parsed)
        except FileFault as exc:
            item.fault, item.parsed = exc, exc.applied_to(item.parsed, self.ctx.rules)

    # --- validate (the rest, file by file), load, receipt ----------------------------------

    def judge_and_answer(self, batch: list[_Read]) -> list[FileResult]:
        """The batch's files answered in order, their rows written together at the end; if
        that write fails, each file is answered again and written on its own, so a fault
        stays with the file that caused it."""
        self.judge(batch)
        try:
            with self.store.batch():
                return [self.answer(item) for item in batch]
        except BatchNotWritten as exc:
            log.error("writing %d files together failed (%s): one by one now", len(batch), exc)
        return [self.answer(item) for item in batch]

    def answer(self, item: _Read) -> FileResult:
        delivery = item.delivery
        first = self.store.first_delivery_of(delivery.sha256)
        if first is not None:
            return self._answer_duplicate(delivery, first)
        if item.parsed is None or (item.judge and self._window_moved(item)):
            # Not read (its twin was not recorded after all), or read while the months it
            # may be for (from the archive's first year) were still to change.
            item = self.read(delivery, set())
            self.judge([item])
        parsed, fault = item.parsed, item.fault
        if item.judge and fault is None:
            try:
                with file_stage(VALIDATE, item.what):
                    parsed = validate_return(
                        parsed,
                        item.parse_ctx.for_period(parsed.period),
                        item.suite_findings or [],
                        history=self.store,
                        file_name=delivery.original_name,
                    )
            except FileFault as exc:
                fault, parsed = exc, exc.applied_to(parsed, self.ctx.rules)

        outcome = outcome_of(parsed)
        earlier = None
        if outcome != "rejected":
            earlier = self.store.current_version(
                parsed.department_code, parsed.return_code, parsed.period
            )
        outbox = self.outbox_root / delivery.intake_department
        path = outbox / receipt_name(delivery.original_name, delivery.sha256)
        answer = _Answer(
            delivery,
            self._department_name(delivery),
            self.ctx.returns,
            self.store,
            item.what,
            self.replace_receipts,
        )
        try:
            answer(parsed, outcome, earlier, path)
        except FileFault as exc:
            # Nothing of the file stays loaded; it is answered as returned, with the fault.
            fault = exc
            parsed, outcome = exc.applied_to(parsed, self.ctx.rules), "rejected"
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

    def _window_moved(self, item: _Read) -> bool:
        # The window only widens as earlier years load, so only a file refused for a month
        # before it can read differently now (a rebuild reads years of files ahead of
        # loading the first).
        if not any(f.rule_code == "PERIOD_OUT_OF_RANGE" for f in item.parsed.findings):
            return False
        now = dataclasses.replace(item.parse_ctx, archive_first_year=self.store.first_period_year())
        return now.period_window() != item.parse_ctx.period_window()

    def _department_name(self, delivery: Delivery) -> str:
        code = delivery.intake_department
        return self.ctx.reference.departments.get(code, code)

    def _answer_duplicate(self, delivery: Delivery, first) -> FileResult:
        first_name, first_received, first_return, first_period = first
        first_spec = self.ctx.returns.get(first_return or "")
        finding = self.ctx.rules.finding(
            "DUPLICATE_FILE",
            detail=f"{first_received:%Y-%m-%d %H:%M:%S}（{first_name}）",
        )
        outbox = self.outbox_root / delivery.intake_department
        path = outbox / receipt_name(delivery.original_name, delivery.sha256, duplicate=True)
        write_receipt(
            Receipt(
                file_name=delivery.original_name,
                department=self._department_name(delivery),
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
            self.replace_receipts,
        )
        self.store.record_duplicate(delivery, str(path))
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


@dataclass(frozen=True)
class _Answer:
    """Stages a file's rows and record, writes its receipt, then commits it (within a batch,
    written with the batch): a crash before the write leaves the file to be taken again."""

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
