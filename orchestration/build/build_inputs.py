"""What a build of the models was made from, so that a run with nothing new skips dbt.

A build's inputs are the raw tables (every delivery recorded), the sources of the dbt
project (models, tests, seeds such as the target register, macros), the return
definitions and rule catalogue, and the as-of date (a return becomes late as days pass).
After a successful build, the build database records its inputs in ``meta.build_inputs``
and the published snapshot, a copy, carries them too. When the inputs now equal what both
record, the models and the snapshot are already what a build would make: the run leaves
them as they are instead of paying seconds of dbt for the same tables.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import astuple, dataclass
from pathlib import Path

import duckdb

from orchestration import paths

_TABLE = "meta.build_inputs"
# What the models and the raw tables' shape are made from, under version control.
_SOURCE_FOLDERS = (
    paths.DBT_PROJECT_DIR / "models",
    paths.DBT_PROJECT_DIR / "seeds",
    paths.DBT_PROJECT_DIR / "macros",
    paths.DBT_PROJECT_DIR / "tests",
    paths.RETURNS_DIR,
)
_SOURCE_FILES = (paths.DBT_PROJECT_DIR / "dbt_project.yml", paths.CONTRACT_FILE, paths.RULES_FILE)


@dataclass(frozen=True)
class BuildInputs:
    deliveries: int  # deliveries recorded in the raw tables (only ever added to)
    last_received: str  # the newest one's receipt time, so a rebuilt database differs
    sources: str  # sha256 over the project's sources (see _SOURCE_FOLDERS)
    as_of: str  # the date submission status was computed as of


def sources_digest(
    folders: tuple[Path, ...] = _SOURCE_FOLDERS,
    files: tuple[Path, ...] = _SOURCE_FILES,
    root: Path = paths.REPO_ROOT,
) -> str:
    """One hash of every source file's path (under ``root``) and bytes: a change anywhere,
    a file added or removed, changes it."""
    digest = hashlib.sha256()
    every = list(files) + [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    for path in sorted(every):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def current_inputs(con: duckdb.DuckDBPyConnection, sources: str, as_of: str) -> BuildInputs:
    count, last = con.execute(
        "select count(*), coalesce(max(received_at)::varchar, '') from raw.deliveries"
    ).fetchone()
    return BuildInputs(count, last, sources, as_of)


@dataclass(frozen=True)
class LastBuild:
    inputs: BuildInputs
    run_id: str


def last_build(con: duckdb.DuckDBPyConnection) -> LastBuild | None:
    """The inputs of the last successful build of this database, if it records them."""
    with contextlib.suppress(duckdb.CatalogException):
        row = con.execute(
            f"select deliveries, last_received, sources, as_of, run_id from {_TABLE}"
        ).fetchone()
        return LastBuild(BuildInputs(*row[:4]), row[4]) if row else None
    return None


def published_build(published_db: Path) -> LastBuild | None:
    """The build the analysts' snapshot is a copy of (None: no snapshot, or an older one)."""
    if not published_db.exists():
        return None
    try:
        con = duckdb.connect(str(published_db), read_only=True)
    except duckdb.Error:
        return None  # unreadable: a build and publish will replace it
    try:
        return last_build(con)
    finally:
        con.close()


@dataclass(frozen=True)
class BuildCheck:
    """The inputs a build would now use against those of the last build and snapshot."""

    now: BuildInputs
    built: LastBuild | None
    published: LastBuild | None

    @property
    def unchanged(self) -> bool:
        return (
            self.built is not None
            and self.built == self.published
            and self.built.inputs == self.now
        )

    @property
    def seeds_loaded(self) -> bool:
        """The build database's seed tables were loaded from the seed files as they are now
        (its last build was made from the same sources): a build need not reload them."""
        return self.built is not None and self.built.inputs.sources == self.now.sources


def check_build(con: duckdb.DuckDBPyConnection, published_db: Path, as_of: str) -> BuildCheck:
    """What a build would now be made from (the build database on ``con``), against the last
    build recorded there and the one the snapshot at ``published_db`` carries."""
    return BuildCheck(
        current_inputs(con, sources_digest(), as_of), last_build(con), published_build(published_db)
    )


def record_inputs(con: duckdb.DuckDBPyConnection, inputs: BuildInputs, run_id: str) -> None:
    con.execute("create schema if not exists meta")
    con.execute(
        f"create or replace table {_TABLE} (deliveries bigint, last_received varchar, "
        "sources varchar, as_of varchar, run_id varchar, built_at timestamptz)"
    )
    con.execute(
        f"insert into {_TABLE} values (?, ?, ?, ?, ?, current_timestamp)",
        [*astuple(inputs), run_id],
    )
