"""Fixtures: a throwaway warehouse home, the real templates, and ways to fill and drop them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from orchestration import paths
from orchestration.contract.findings import load_rules
from orchestration.contract.reference import Reference, load_reference
from orchestration.contract.return_spec import Contract, ReturnSpec, load_contract, load_returns
from orchestration.defs.resources import WarehouseResource
from orchestration.demo.samples.jobs import jobs_rows
from orchestration.read.return_parser import ParseContext
from orchestration.templates.filler import fill_template
from orchestration.templates.names import template_filename
from orchestration.templates.writer import write_all_templates
from orchestration.validate.return_check import check_return

AS_OF = "2026-11-25"


@pytest.fixture(scope="session")
def contract() -> Contract:
    return load_contract()


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()


@pytest.fixture(scope="session")
def jobs_spec() -> ReturnSpec:
    return load_returns()["jobs"]


@pytest.fixture(scope="session")
def templates_dir(tmp_path_factory, contract, reference) -> Path:
    out = tmp_path_factory.mktemp("templates")
    write_all_templates(out, load_returns(), contract, reference, 2026)
    return out


@pytest.fixture(scope="session")
def validator(tmp_path_factory, reference):
    """The expectation suites as committed, in a throwaway GX context (imported once)."""
    from orchestration.validate.expectations.suite_files import load_suites
    from orchestration.validate.expectations.validator import ReturnValidator

    return ReturnValidator(
        load_suites(paths.EXPECTATIONS_DIR), reference, load_rules(), tmp_path_factory.mktemp("gx")
    )


@pytest.fixture
def ctx(contract, reference) -> ParseContext:
    """How the pipeline parses a file received in November 2026."""
    return ParseContext(contract, load_returns(), reference, load_rules(), received_month="2026-11")


@pytest.fixture
def check(ctx, validator):
    """Read and validate a file as the pipeline does (parser, then expectation suite)."""
    return lambda path, dept, _ctx=None: check_return(path, dept, _ctx or ctx, validator)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv(paths.HOME_ENV_VAR, str(home))
    return make_home(home)


def make_home(home: Path) -> Path:
    """A warehouse home with its folders. Tests drop files and run at once: no settling
    time, or a fast run would leave a file for the next one, received later (the settling
    is tested in test_archive.py, the sensor's in test_definitions.py, and the demo's
    default in test_cli.py)."""
    WarehouseResource(home=str(home)).ensure_folders()
    (home / "settings.yml").write_text("intake_settle_seconds: 0\n", encoding="utf-8")
    return home


@pytest.fixture
def warehouse(home) -> WarehouseResource:
    return WarehouseResource(home=str(home))


@pytest.fixture
def fill_jobs(templates_dir, jobs_spec, contract, reference) -> Callable[..., Path]:
    """Fill the real jobs template: ``fill_jobs(dest, period, rows=None, **header)``."""

    def fill(dest: Path, period: object, rows: list[dict] | None = None, **header) -> Path:
        if rows is None:
            year, month = str(period).split("-")
            rows = jobs_rows(int(year), int(month), reference)
        values = {"period": period, "filer": "王芳", "phone": "027-85880000", **header}
        return fill_template(templates_dir / "jobs.xlsx", dest, jobs_spec, contract, values, rows)

    return fill


@pytest.fixture
def fill_return(templates_dir, contract, reference) -> Callable[..., Path]:
    """Fill any return's real template: ``fill_return(code, dest, period, rows, dept=None)``."""
    returns = load_returns()

    def fill(
        code: str, dest: Path, period: object, rows: list[dict], dept: str | None = None, **header
    ):
        spec = returns[code]
        dept = dept or reference.departments_filing(code)[0]
        template = templates_dir / template_filename(spec, dept, reference)
        values = {"period": period, "filer": "王芳", "phone": "027-85880000", **header}
        return fill_template(template, dest, spec, contract, values, rows)

    return fill


def with_due_indicators(dept: str, period: str, rows: list[dict]) -> list[dict]:
    """``rows`` of a 综合指标月报, plus a 0 for every other figure of ``dept`` due in
    ``period``: a due figure left empty returns the file (DUE_FIGURE_MISSING)."""
    given = {r["target_code"] for r in rows}
    zeros = [
        {"target_code": t.code, "month_value": 0, "ytd_value": 0}
        for t in load_reference().targets_reported_by(dept, "indicators")
        if t.due_in(period) and t.code not in given
    ]
    return rows + zeros


def run_statuses(home: Path) -> dict:
    """Every run in the home's Dagster history (CLI's and sensor's): run id -> status."""
    from orchestration.instance import open_instance

    with open_instance(home) as instance:
        return {r.run_id: r.status for r in instance.get_runs()}


def run_messages(home: Path, run_id: str) -> list[str]:
    """The messages a run logged to the home's Dagster instance, as the UI shows them."""
    from orchestration.instance import open_instance

    with open_instance(home) as instance:
        return [entry.user_message for entry in instance.all_logs(run_id)]


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Read the published snapshot the way an analyst does: a read-only connection."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def wait_until(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.2):
    """The first truthy value of ``predicate``, polled; fails the test after ``timeout`` s."""
    from orchestration.runtime.polling import wait_until as poll

    try:
        return poll(predicate, timeout, what, every)
    except TimeoutError as exc:
        pytest.fail(str(exc))
