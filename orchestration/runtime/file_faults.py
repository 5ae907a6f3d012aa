"""The one place where a failure of one file becomes that file's answer.

Whatever goes wrong while a file is read, checked or loaded (a damaged zip the reader
chokes on, a value no check foresaw, a bug of ours) ends as that file's 强制性 finding, its
receipt and its row in raw.files, never as the end of the run: one department's damaged
file must not stop every department's returns, nor be retried for ever from the archive.
Only causes outside the files (the disk, the database, memory) still fail the run.

The ingest step marks each stage of a file with ``file_stage``; the exception that escapes
it carries the stage, and ``FileFault.applied_to`` turns it into the finding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import traceback
import zipfile
import zlib
from collections.abc import Iterator

import duckdb

from orchestration.contract.findings import RuleCatalogue
from orchestration.read.limits import exception_name
from orchestration.read.return_parser import ParsedReturn

log = logging.getLogger(__name__)

# The stages of one file, as its receipt names them.
READ = "读取"
VALIDATE = "校验"
LOAD = "入库"
RECEIPT = "生成回执"

# Causes outside the file: retrying the same file later may well succeed, so the run fails
# and names the cause (a full disk, a database that cannot be written, memory).
ENVIRONMENT_ERRORS = (
    OSError,
    MemoryError,
    duckdb.IOException,
    duckdb.OutOfMemoryException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.ConnectionException,
    duckdb.InterruptException,
    duckdb.TransactionException,
    duckdb.PermissionException,
)
# What a damaged workbook raises from deep inside a reader, if no narrower handler caught it.
_DAMAGE = (zlib.error, zipfile.BadZipFile, EOFError)


class FileFault(Exception):
    """A file's own failure at one stage; the cause is chained."""

    def __init__(self, stage: str, cause: BaseException):
        super().__init__(f"{stage}: {type(cause).__name__}: {cause}")
        self.stage = stage
        self.cause = cause
        self.trace = "".join(traceback.format_exception(cause)).strip()

    def applied_to(self, parsed: ParsedReturn, rules: RuleCatalogue) -> ParsedReturn:
        """The file as returned for this fault: its identity and rows read kept (they count
        as rejected), the fault's finding added; a receipt that failed keeps only that."""
        kind = exception_name(self.cause)
        if self.stage == READ and isinstance(self.cause, _DAMAGE):
            finding = rules.finding("FILE_UNREADABLE", detail=f"文件已损坏（{kind}）")
        else:
            finding = rules.finding("INTERNAL_ERROR", value=kind, detail=self.stage)
        earlier = [] if self.stage == RECEIPT else parsed.findings
        return dataclasses.replace(parsed, findings=[*earlier, finding], rows=[], raw_text=[])


@contextlib.contextmanager
def file_stage(stage: str, what: str) -> Iterator[None]:
    """Run one stage of one file: its own failure becomes a ``FileFault``; a cause outside
    the file propagates as it is."""
    try:
        yield
    except (FileFault, *ENVIRONMENT_ERRORS):
        raise
    except Exception as exc:
        log.error("%s failed at %s; the file is answered as returned", what, stage, exc_info=exc)
        raise FileFault(stage, exc) from exc
