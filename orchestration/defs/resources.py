"""Resources injected into assets by parameter name."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from orchestration import paths
from orchestration.build.build_inputs import (
    BuildCheck,
    BuildInputs,
    check_build,
    record_inputs,
)
from orchestration.contract.findings import load_rules
from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.ingest import IngestContext
from orchestration.intake.archive import Archive
from orchestration.load.raw_store import LOCAL_TZ
from orchestration.read.limits import MB, Limits
from orchestration.read.sandbox import SandboxedParser
from orchestration.runtime.orphaned_build import stop_orphaned_build
from orchestration.runtime.writer_lock import held_if_free, writer_lock
from orchestration.validate.expectations.suite_files import load_suites
from orchestration.validate.expectations.validator import ReturnValidator

PUBLISHED_DB_NAME = "indicators.duckdb"
log = logging.getLogger(__name__)


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse home (``INDICATORS_HOME``) and everything kept under it."""

    home: str
    max_file_mb: int = Field(default=20, ge=1, description="Largest file taken, in MB.")
    max_expanded_mb: int = Field(
        default=200, ge=1, description="Largest inflated size of a zip-based workbook, in MB."
    )
    max_rows: int = Field(default=100_000, ge=1, description="Most rows a data sheet may have.")
    max_columns: int = Field(default=256, ge=1, description="Most columns a data sheet may have.")
    # 1 GB keeps every process of a run under it; a 50,000-row directory peaks near 300 MB.
    parse_memory_mb: int = Field(
        default=1024,
        ge=1,
        description="Memory cap of each child process that reads files (two read ahead), in MB.",
    )
    parse_workers: int = Field(
        default=2,
        ge=1,
        description="Child processes reading files, ahead of the run's loads (one per core).",
    )
    parse_timeout_seconds: int = Field(
        default=120, ge=1, description="Longest a file may take to read."
    )
    max_files_per_run: int = Field(
        default=500,
        ge=1,
        description=(
            "Most files one run takes from the intake folders, oldest first; the rest wait "
            "in their folders for the next run (the sensor starts it at its next tick)."
        ),
    )
    intake_settle_seconds: float = Field(
        default=1.0,
        ge=0,
        description=(
            "A file modified less than this long ago is left for the next run: it may still "
            "be being copied (the sensor also waits for two equal ticks)."
        ),
    )

    def sandboxed_parser(self) -> SandboxedParser:
        return SandboxedParser(
            self.parse_memory_mb * MB, self.parse_timeout_seconds, self.parse_workers
        )

    @property
    def limits(self) -> Limits:
        return Limits(
            max_file_bytes=self.max_file_mb * MB,
            max_expanded_bytes=self.max_expanded_mb * MB,
            max_rows=self.max_rows,
            max_columns=self.max_columns,
        )

    @property
    def root(self) -> Path:
        return Path(self.home)

    @property
    def intake_root(self) -> Path:
        return self.root / "intake"

    @property
    def outbox_root(self) -> Path:
        return self.root / "outbox"

    @property
    def archive(self) -> Archive:
        return Archive(self.root / "archive")

    @property
    def build_db(self) -> Path:
        # Same file name as the snapshot, so the catalog name inside both is "indicators".
        return self.root / "build" / PUBLISHED_DB_NAME

    @property
    def published_db(self) -> Path:
        return self.root / PUBLISHED_DB_NAME

    @property
    def dbt_target_path(self) -> Path:
        """One dbt target folder for every run (they build one at a time, under the writer
        lock): its partial-parse state spares a run re-parsing an unchanged project."""
        return self.root / "dbt_target"

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Held by every step that writes; another run's step waits for it."""
        with writer_lock(self.root / ".writer.lock"):
            stop_orphaned_build(self.build_process_file)
            yield

    def writer_lock_if_free(self):
        """The writer lock if no run holds it (True), else at once False: for a look that
        must not wait behind a run."""
        return held_if_free(self.root / ".writer.lock")

    @property
    def build_process_file(self) -> Path:
        """Names the running `dbt build` process, so a run killed during it can be cleaned up."""
        return self.root / ".dbt-build.process"

    def ensure_intake_folders(self) -> None:
        """What archiving needs, and nothing more: a broken outbox must not stop intake."""
        for dept in load_reference().departments:
            (self.intake_root / dept).mkdir(parents=True, exist_ok=True)
        self.archive.ensure()

    def ensure_folders(self) -> None:
        """Create the home's folders, with one intake and outbox folder per department."""
        self.ensure_intake_folders()
        for dept in load_reference().departments:
            (self.outbox_root / dept).mkdir(parents=True, exist_ok=True)
        self.build_db.parent.mkdir(parents=True, exist_ok=True)

    def connect_build(self) -> duckdb.DuckDBPyConnection:
        """The build database; a corrupt one is set aside, and the archive rebuilds it."""
        self.build_db.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.build_db))
            con.execute("select 1").fetchall()
            return con
        except duckdb.Error as exc:
            if not self.build_db.exists() or "lock" in str(exc).lower():
                raise
            stamp = self.now().strftime("%Y%m%dT%H%M%S")
            aside = self.build_db.with_name(f"{self.build_db.name}.corrupt-{stamp}")
            log.error(
                "build database %s unreadable (%s); set aside as %s", self.build_db, exc, aside
            )
            os.replace(self.build_db, aside)
            wal = self.build_db.with_name(self.build_db.name + ".wal")
            if wal.exists():
                os.replace(wal, aside.with_name(aside.name + ".wal"))
            return duckdb.connect(str(self.build_db))

    def ingest_context(self) -> IngestContext:
        return IngestContext(
            contract=load_contract(),
            returns=load_returns(),
            reference=load_reference(),
            rules=load_rules(),
            limits=self.limits,
        )

    @property
    def gx_root(self) -> Path:
        return self.root / "gx"

    def make_validator(self) -> ReturnValidator:
        """The expectation suites under version control, run in a GX context under the home."""
        return ReturnValidator(
            load_suites(paths.EXPECTATIONS_DIR), load_reference(), load_rules(), self.gx_root
        )

    def build_inputs(self, as_of: str) -> BuildCheck:
        """What a build would now be made from, against the last build and the snapshot."""
        con = self.connect_build()
        try:
            return check_build(con, self.published_db, as_of)
        finally:
            con.close()

    def record_build_inputs(self, inputs: BuildInputs, run_id: str) -> None:
        con = self.connect_build()
        try:
            record_inputs(con, inputs, run_id)
        finally:
            con.close()

    def now(self) -> dt.datetime:
        return dt.datetime.now(LOCAL_TZ)

    @contextmanager
    def dbt_environment(self) -> Iterator[None]:
        """dbt's profile reads the build database's location from ``INDICATORS_HOME``."""
        before = os.environ.get(paths.HOME_ENV_VAR)
        os.environ[paths.HOME_ENV_VAR] = str(self.root)
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(paths.HOME_ENV_VAR, None)
            else:
                os.environ[paths.HOME_ENV_VAR] = before
