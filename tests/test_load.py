"""500 files dropped at once: all five returns, every department, ten months, corrections,
duplicates and bad files. Every file is taken and recorded once, every row is accounted for,
every department gets a receipt per file, and nothing of a bad file is loaded.

The files are real workbooks, filled into the real templates at test time; the bad ones are
what departments really send: a CSV or a scanned PDF renamed .xlsx, a workbook of their own,
a copy cut off in transfer, an empty file, a figure typed as words, another department's
return dropped into their folder. Runs repeat while files wait in intake (over
``max_files_per_run`` the rest waits for the next run), at most ``MAX_RUNS`` times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AS_OF, make_home, query
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from orchestration import paths
from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.defs.resources import WarehouseResource
from orchestration.demo.samples import all_sample_files
from orchestration.demo.samples.jobs import jobs_rows
from orchestration.runner import run_pipeline
from orchestration.templates.filler import fill_template
from orchestration.templates.names import template_filename

pytestmark = pytest.mark.slow

FILES = 500
MONTHS = 10
ENTERPRISES = 30  # a small directory: the enterprises template is the slowest to fill
MAX_RUNS = 5
RECEIVED = dt.datetime(2026, 11, 20, 9, 0)  # every month up to October is due, none is future
LOADS = {"accepted", "accepted_with_warnings"}
FACTS = {
    "jobs": "fct_jobs_street_monthly",
    "indicators": "fct_indicator_values_monthly",
    "investment": "fct_investment_projects_monthly",
    "first_stores": "fct_first_stores",
    "enterprises": "fct_enterprise_directory_monthly",
}
# The finding each kind of bad file is returned with.
RETURNED_WITH = {
    "csv": "FILE_UNREADABLE",
    "pdf": "FILE_UNREADABLE",
    "truncated": "FILE_UNREADABLE",
    "empty": "FILE_UNREADABLE",
    "foreign": "NOT_A_TEMPLATE",
    "wrong_folder": "WRONG_DEPARTMENT",
    "broken": ("VALUE_NOT_", "PERIOD_INVALID"),  # VALUE_NOT_NUMBER, _INTEGER, _DATE, _MONTH
}
RECEIPT_STATUS = {
    "accepted": "已接收",
    "accepted_with_warnings": "已接收但有警告",
    "rejected": "已退回",
}


@dataclass
class Drop:
    """One file dropped into ``intake/<dept>/``, and what it holds."""

    dept: str  # the intake folder
    name: str
    kind: str  # return, refiled, duplicate, or a kind of RETURNED_WITH
    path: Path
    return_code: str | None = None
    period: str | None = None
    rows: int = 0  # data rows written into the data sheet; 0 when not one of our workbooks
    returned: bool = False  # expected to be returned whole (已退回)
    sha: str = ""

    @property
    def filer(self) -> str:
        """The department the workbook declares (another's return in the wrong folder)."""
        return "rsj" if self.kind == "wrong_folder" else self.dept


class Batch:
    """Writes the drops into the intake folders, in the order they are received."""

    def __init__(self, intake: Path, templates: Path, scratch: Path):
        self.intake, self.templates, self.scratch = intake, templates, scratch
        self.contract, self.returns, self.reference = (
            load_contract(),
            load_returns(),
            load_reference(),
        )
        self.drops: list[Drop] = []
        self._names: set[tuple[str, str]] = set()
        self._phones = itertools.count(1)

    def _name(self, dept: str, name: str) -> str:
        stem, ext = os.path.splitext(name)
        for n in itertools.count(1):
            candidate = name if n == 1 else f"{stem}_更正{n - 1}{ext}"
            if (dept, candidate) not in self._names:
                self._names.add((dept, candidate))
                return candidate
        raise AssertionError("unreachable")

    def fill(self, dept, code, period, rows, name, kind="return", folder=None, returned=False):
        """A workbook filled into ``dept``'s own template of ``code``, dropped into ``folder``."""
        folder = folder or dept
        spec = self.returns[code]
        name = self._name(folder, name)
        header = {"period": period, "filer": "李敏", "phone": f"027-8{next(self._phones):06d}"}
        path = fill_template(
            self.templates / template_filename(spec, dept, self.reference),
            self.intake / folder / name,
            spec,
            self.contract,
            header,
            rows,
        )
        drop = Drop(folder, name, kind, path, code, period, len(rows), returned)
        self.drops.append(drop)
        return drop

    def write(self, dept: str, name: str, kind: str, data: bytes) -> Drop:
        name = self._name(dept, name)
        path = self.intake / dept / name
        path.write_bytes(data)
        drop = Drop(dept, name, kind, path, returned=True)
        self.drops.append(drop)
        return drop

    def duplicate(self, original: Drop) -> Drop:
        name = self._name(original.dept, f"再次报送_{original.name}")
        path = self.intake / original.dept / name
        path.write_bytes(original.path.read_bytes())
        drop = Drop(
            original.dept,
            name,
            "duplicate",
            path,
            original.return_code,
            original.period,
            original.rows,
            original.returned,
        )
        self.drops.append(drop)
        return drop

    def scratch_copy(self, dept, code, period, rows) -> bytes:
        spec = self.returns[code]
        path = fill_template(
            self.templates / template_filename(spec, dept, self.reference),
            self.scratch / f"{dept}_{code}_{period}.xlsx",
            spec,
            self.contract,
            {"period": period, "filer": "李敏", "phone": f"027-8{next(self._phones):06d}"},
            rows,
        )
        return path.read_bytes()


def _own_workbook(department_name: str) -> bytes:
    """A department's own table, not one of our templates."""
    wb = Workbook()
    wb.active.append(["单位", "指标", "数值"])
    wb.active.append([department_name, "本月值", 12])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _drop_files(intake: Path, templates: Path, scratch: Path) -> list[Drop]:
    batch = Batch(intake, templates, scratch)
    reference = batch.reference
    departments = sorted(reference.departments)

    # Ten months of every return of every filer, with the samples' own late file, correction,
    # missing month and returned-then-refiled file (a wrong unit: the one sample returned).
    samples = all_sample_files(2026, MONTHS, reference, enterprise_count=ENTERPRISES)
    current = {}
    first_of = {}
    for s in samples:
        wrong_unit = any("unit" in row for row in s.rows)
        drop = batch.fill(
            s.department_code, s.return_code, s.period, s.rows, s.file_name, returned=wrong_unit
        )
        first_of.setdefault(s.department_code, drop)
        if not wrong_unit:
            current[(s.department_code, s.return_code, s.period)] = s

    # The bad files: five of every department, another's return in fourteen folders, a figure
    # typed as words in each return, and one empty file.
    indicator_samples = defaultdict(list)
    for s in samples:
        if s.return_code == "indicators" and not any("unit" in r for r in s.rows):
            indicator_samples[s.department_code].append(s)
    for i, dept in enumerate(departments):
        batch.write(dept, "汇总表.xlsx", "csv", f"街道,新增就业人数\n民族街道,{i}\n".encode())
        batch.write(dept, "扫描件.xlsx", "pdf", f"%PDF-1.4\n% {dept}\n%%EOF\n".encode())
        batch.write(dept, "自制统计表.xlsx", "foreign", _own_workbook(reference.departments[dept]))
        s = indicator_samples[dept][i % len(indicator_samples[dept])]
        whole = batch.scratch_copy(dept, "indicators", s.period, s.rows)
        batch.write(
            dept, f"indicators_{s.period}_传输中断.xlsx", "truncated", whole[: len(whole) // 2]
        )
        rows, period = [dict(r) for r in s.rows], s.period
        if rows:
            rows[0]["month_value"] = "十二"
        else:  # a department with no register target in the return: its 报告期 is broken
            period = "下个月"
        batch.fill(
            dept,
            "indicators",
            period,
            rows,
            f"indicators_{s.period}_错.xlsx",
            "broken",
            returned=True,
        )
        if dept != "rsj":
            month = i % MONTHS + 1
            period = f"2026-{month:02d}"
            batch.fill(
                "rsj",
                "jobs",
                period,
                jobs_rows(2026, month, reference),
                f"jobs_{period}.xlsx",
                "wrong_folder",
                folder=dept,
                returned=True,
            )
    broken_cells = {
        "jobs": ("new_jobs", "十二"),
        "investment": ("total_investment", "约3亿"),
        "first_stores": ("opening_date", "月初"),
        "enterprises": ("entry_month", "去年"),
    }
    for (dept, code, period), s in current.items():
        if code in broken_cells and period in ("2026-01", "2026-02"):
            rows = [dict(r) for r in s.rows]
            column, value = broken_cells[code]
            rows[-1][column] = value
            batch.fill(
                dept, code, period, rows, f"{code}_{period}_错.xlsx", "broken", returned=True
            )
    batch.write("jyj", "空白.xlsx", "empty", b"")

    # Each department drops its first file again under another name (it has been corrected
    # since, for most): the same bytes change nothing.
    for dept in departments:
        batch.duplicate(first_of[dept])

    # The rest are corrections: each month's current file filed again (a new 联系电话),
    # latest months first, round after round until there are FILES files.
    refile_order = sorted(current.items(), key=lambda kv: (-int(kv[0][2][-2:]), kv[0]))
    for (dept, code, period), s in itertools.cycle(refile_order):
        if len(batch.drops) >= FILES:
            break
        batch.fill(dept, code, period, s.rows, s.file_name, "refiled")
    drops = batch.drops
    assert len(drops) == FILES and len({(d.dept, d.name) for d in drops}) == FILES

    # Received in the order written: a millisecond apart, oldest first, and settled a minute
    # before the first run (a file modified in the last second waits for the next run).
    start = time.time_ns() - 60_000_000_000 - FILES * 1_000_000
    for i, d in enumerate(drops):
        os.utime(d.path, ns=(start + i * 1_000_000,) * 2)
        d.sha = hashlib.sha256(d.path.read_bytes()).hexdigest()
    return drops


def _waiting(intake: Path) -> list[Path]:
    return sorted(p for folder in intake.iterdir() for p in folder.iterdir())


@dataclass
class Loaded:
    warehouse: WarehouseResource
    drops: list[Drop]
    runs: int

    @property
    def db(self) -> Path:
        return self.warehouse.published_db

    def originals(self) -> dict[str, Drop]:
        """The first drop of each distinct content: the one the ledger records."""
        first: dict[str, Drop] = {}
        for d in self.drops:
            first.setdefault(d.sha, d)
        return first


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, templates_dir):
    root = tmp_path_factory.mktemp("load")
    home = root / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv(paths.HOME_ENV_VAR, str(home))
    warehouse = WarehouseResource(home=str(make_home(home)))
    (root / "scratch").mkdir()

    drops = _drop_files(warehouse.intake_root, templates_dir, root / "scratch")
    runs = 0
    while _waiting(warehouse.intake_root) and runs < MAX_RUNS:
        # Each run's files as received an hour after the previous run's.
        received = (RECEIVED + dt.timedelta(hours=runs)).isoformat()
        result = run_pipeline(home, as_of=AS_OF, received_at=received)
        runs += 1
        assert result.success, [e.message for e in result.all_events if e.is_failure]
    yield Loaded(warehouse, drops, runs)
    mp.undo()


def test_every_file_is_taken_archived_and_recorded_once(loaded):
    intake = loaded.warehouse.intake_root
    assert _waiting(intake) == [], f"still in intake after {loaded.runs} runs"
    assert len(list((loaded.warehouse.root / "archive" / "deliveries").glob("*.json"))) == FILES

    originals = loaded.originals()
    # Every drop is one delivery; a drop of bytes already received is marked a duplicate.
    deliveries = query(
        loaded.db,
        "select intake_department, original_name, file_sha256, is_duplicate from raw.deliveries",
    )
    assert len(deliveries) == FILES
    assert {(dept, name): (sha, dup) for dept, name, sha, dup in deliveries} == {
        (d.dept, d.name): (d.sha, originals[d.sha] is not d) for d in loaded.drops
    }
    assert sum(d.kind == "duplicate" for d in loaded.drops) == FILES - len(originals)

    # The ledger: one row per distinct file, named as first dropped, with its drop count.
    times = Counter(d.sha for d in loaded.drops)
    ledger = query(
        loaded.db,
        "select file_sha256, intake_department, original_name, times_received, outcome "
        "from marts.intake_ledger",
    )
    assert {sha: (dept, name, n) for sha, dept, name, n, _ in ledger} == {
        sha: (d.dept, d.name, times[sha]) for sha, d in originals.items()
    }
    outcomes = {sha: outcome for sha, *_, outcome in ledger}
    for sha, d in originals.items():
        if d.returned:
            assert outcomes[sha] == "rejected", (d.dept, d.name, d.kind)
        else:
            assert outcomes[sha] in LOADS, (d.dept, d.name, d.kind, outcomes[sha])


def _rows_by_file(db: Path, tables) -> dict[str, int]:
    union = " union all ".join(f"select file_sha256 from {t}" for t in tables)
    return dict(query(db, f"select file_sha256, count(*) from ({union}) group by 1"))


def test_rows_loaded_and_refused_add_up_to_the_rows_of_each_file(loaded):
    originals = loaded.originals()
    ledger = query(
        loaded.db,
        "select file_sha256, rows_read, rows_loaded, rows_rejected from marts.intake_ledger",
    )
    raw_tables = [f"raw.{spec.raw_table}" for spec in load_returns().values()]
    in_raw = _rows_by_file(loaded.db, raw_tables)
    for sha, read, loaded_rows, rejected in ledger:
        d = originals[sha]
        assert read == loaded_rows + rejected, (d.dept, d.name)
        assert in_raw.get(sha, 0) == loaded_rows, (d.dept, d.name)  # every loaded row is there
        if d.kind == "wrong_folder":
            continue  # its own test below
        assert read == d.rows, (d.dept, d.name, d.kind)
        assert loaded_rows == (0 if d.returned else d.rows), (d.dept, d.name, d.kind)

    # Totals agree from end to end: files, raw tables, staging views.
    written = sum(d.rows for d in originals.values() if not d.returned)
    staging = [f"staging.stg_raw__{spec.raw_table}" for spec in load_returns().values()]
    assert sum(in_raw.values()) == written
    assert sum(_rows_by_file(loaded.db, staging).values()) == written
    assert query(loaded.db, "select sum(rows_loaded) from marts.intake_ledger") == [(written,)]


def test_a_file_in_another_departments_folder_counts_its_rows_as_refused(loaded):
    """The README: a returned file's rows "are counted as read and rejected"; another
    department's return dropped into the wrong folder holds 13 rows of figures."""
    wrong = {d.sha: d for d in loaded.drops if d.kind == "wrong_folder"}
    ledger = query(
        loaded.db,
        "select file_sha256, rows_read, rows_loaded, rows_rejected from marts.intake_ledger",
    )
    counted = {sha: (read, n, rejected) for sha, read, n, rejected in ledger if sha in wrong}
    assert counted == {sha: (d.rows, 0, d.rows) for sha, d in wrong.items()}


def _receipt_status(path: Path) -> str:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("回执").to_python()
    return next(r[1] for r in rows if r[0] == "处理结果")


def test_every_department_gets_a_receipt_for_every_file_it_dropped(loaded):
    outbox = loaded.warehouse.outbox_root
    dropped_by = defaultdict(list)
    for d in loaded.drops:
        dropped_by[d.dept].append(d)
    assert set(dropped_by) == set(load_reference().departments)  # all fifteen dropped files

    receipts = {
        (dept, name): Path(receipt)
        for dept, name, receipt in query(
            loaded.db, "select intake_department, original_name, receipt_path from raw.deliveries"
        )
    }
    outcomes = dict(query(loaded.db, "select file_sha256, outcome from marts.intake_ledger"))
    originals = loaded.originals()
    for dept, drops in dropped_by.items():
        mine = {receipts[(dept, d.name)] for d in drops}
        assert len(mine) == len(drops), dept  # one receipt per file, none shared
        assert set((outbox / dept).iterdir()) == mine, dept  # in the department's own outbox
        for d in drops:
            receipt = receipts[(dept, d.name)]
            assert receipt.name.startswith(f"{Path(d.name).stem}_回执_{d.sha[:8]}")
            expected = (
                "重复报送（未作更改）"
                if originals[d.sha] is not d
                else RECEIPT_STATUS[outcomes[d.sha]]
            )
            assert _receipt_status(receipt) == expected, (dept, d.name, d.kind)


def test_bad_files_are_returned_with_their_reason_and_load_nothing(loaded):
    bad = [d for d in loaded.originals().values() if d.kind in RETURNED_WITH]
    assert Counter(d.kind for d in bad) == {
        "csv": 15,
        "pdf": 15,
        "foreign": 15,
        "truncated": 15,
        "broken": 23,
        "wrong_folder": 14,
        "empty": 1,
    }
    findings = defaultdict(set)
    for sha, rule, rule_class in query(
        loaded.db, "select file_sha256, rule_code, rule_class from raw.findings"
    ):
        findings[sha].add((rule, rule_class))
    files = {
        sha: (outcome, n)
        for sha, outcome, n in query(
            loaded.db, "select file_sha256, outcome, rows_loaded from raw.files"
        )
    }
    in_marts = _rows_by_file(loaded.db, [f"marts.{t}" for t in FACTS.values()])
    for d in bad:
        assert files[d.sha] == ("rejected", 0), (d.dept, d.name)
        assert any(
            rule.startswith(RETURNED_WITH[d.kind]) and cls == "强制性"
            for rule, cls in findings[d.sha]
        ), (d.dept, d.name, findings[d.sha])
        assert d.sha not in in_marts


def test_the_last_file_of_each_month_is_current_and_only_its_rows_are_in_the_marts(loaded):
    versions = defaultdict(list)  # (dept, return, period) -> files loaded, in order received
    for d in loaded.originals().values():  # in the order received
        if not d.returned:
            versions[(d.filer, d.return_code, d.period)].append(d)
    status = {
        (dept, code, period): (s, n, name, sha)
        for dept, code, period, s, n, name, sha in query(
            loaded.db,
            "select department_code, return_code, period, status, version_count, "
            "current_original_name, current_file_sha256 from marts.submission_status "
            "where version_count > 0",
        )
    }
    # All received 20 November, after every month's due day: late, or corrected.
    assert status == {
        key: ("corrected" if len(v) > 1 else "late", len(v), v[-1].name, v[-1].sha)
        for key, v in versions.items()
    }
    # Returns filed each month by each filer, less the one the samples leave missing.
    assert len(status) == len(load_reference().filers) * MONTHS - 1

    for code, fact in FACTS.items():
        expected = {v[-1].sha: v[-1].rows for (_, c, _), v in versions.items() if c == code}
        expected = {sha: n for sha, n in expected.items() if n}  # a month may have no openings
        assert _rows_by_file(loaded.db, [f"marts.{fact}"]) == expected, code


def test_each_staging_model_has_the_columns_its_generated_properties_describe(loaded):
    """The staging YAML is generated from the return definitions; dbt does not check that a
    described column exists, so a rename in the SQL would leave its tests on nothing."""
    import yaml

    for spec in load_returns().values():
        model = f"stg_raw__{spec.code}"
        properties = yaml.safe_load(
            (paths.DBT_PROJECT_DIR / "models" / "staging" / f"{model}.yml").read_text("utf-8")
        )
        described = {c["name"] for c in properties["models"][0]["columns"]}
        built = {
            name
            for (name,) in query(
                loaded.db,
                "select column_name from information_schema.columns "
                "where table_schema = 'staging' and table_name = ?",
                [model],
            )
        }
        assert described and described <= built, (model, described - built)
