"""Property: whatever a department's file looks like, it is answered and never stops a run.

Hypothesis mutates filled templates of every return (cell values of every type, rows,
sheets, header fields, and the zip package's bytes and parts), and each mutated file goes
through the real ingest path: archived, read in the sandboxed reader, validated by the
expectation suites and the history checks, loaded into a real DuckDB file, answered with
a receipt. For every example: no exception escapes, the file has its receipt and its row
in raw.files, and a file that loaded holds exactly the figures an independent openpyxl
read of it gives.

`make test` runs a few hundred examples, derandomized so CI is repeatable; for a longer
search set INDICATORS_HYPOTHESIS=long (5,000 examples, a fresh random seed each time;
INDICATORS_HYPOTHESIS_EXAMPLES sets the number for either).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.defs.resources import WarehouseResource
from orchestration.demo.samples import all_sample_files
from orchestration.ingest import ingest_pending
from orchestration.load.raw_store import LOCAL_TZ, RawStore
from orchestration.templates.filler import fill_template
from orchestration.templates.names import template_filename

_COUNT = os.environ.get("INDICATORS_HYPOTHESIS_EXAMPLES")
settings.register_profile(
    "make_test",
    max_examples=int(_COUNT or 250),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=int(_COUNT or 5000),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = "long" if os.environ.get("INDICATORS_HYPOTHESIS") == "long" else "make_test"

RECEIVED = dt.datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
RETURNS = load_returns()
TOTAL_LABELS = {"合计", "总计", "小计", "总计数"}


# --- the files mutated: one filled template per return ---------------------------------


class _Originals(dict):
    def __repr__(self) -> str:  # Hypothesis prints the fixtures of a failing example
        return f"<filled templates of {sorted(self)}>"


@pytest.fixture(scope="module")
def originals(templates_dir, tmp_path_factory) -> dict[str, tuple[str, bytes]]:
    """return code -> (department, bytes of its filled March 2026 template)."""
    reference = load_reference()
    out = tmp_path_factory.mktemp("originals")
    chosen: dict[str, tuple[str, bytes]] = {}
    for f in all_sample_files(2026, 3, reference, enterprise_count=20):
        if f.period == "2026-03" and f.rows and f.return_code not in chosen:
            spec = RETURNS[f.return_code]
            template = templates_dir / template_filename(spec, f.department_code, reference)
            path = fill_template(
                template, out / f.file_name, spec, load_contract(), f.header, f.rows
            )
            chosen[f.return_code] = (f.department_code, path.read_bytes())
    assert set(chosen) == set(RETURNS)
    return _Originals(chosen)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, validator):
    """A real warehouse home: archive, build database, outbox, sandboxed reader."""
    home = tmp_path_factory.mktemp("home")
    warehouse = WarehouseResource(home=str(home))
    warehouse.ensure_folders()
    con = warehouse.connect_build()
    store = RawStore(con, RETURNS)
    store.ensure_schema()
    with warehouse.sandboxed_parser() as parse:
        yield warehouse, store, parse
    con.close()


# --- mutations ---------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40).map(
    lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)
)
_numbers_as_text = st.one_of(
    st.integers(-(10**45), 10**45).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.integers(0, 10**8).map(lambda n: f"{n:,}"),
    st.integers(0, 10**6).map(
        lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    ),
    st.sampled_from(["9" * 400, "1e400", "-0", " 12 ", "NaN", "inf", "１２.５", "1,2,3"]),
)
cell_values = st.one_of(
    st.none(),
    st.integers(-(10**45), 10**45),
    st.integers(-5, 200_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
    _numbers_as_text,
    _text,
    st.sampled_from(["是", "否", "合计", "2026-03", "2026年3月", "0001-01", "9999-12", "=1+1"]),
    st.booleans(),
)


@st.composite
def workbook_edits(draw):
    kind = draw(st.sampled_from(["cell", "cell", "cell", "row", "sheet", "header"]))
    if kind == "cell":
        return ("cell", draw(st.integers(0, 30)), draw(st.integers(0, 12)), draw(cell_values))
    if kind == "row":
        return (
            "row",
            draw(st.sampled_from(["delete", "insert", "copy"])),
            draw(st.integers(0, 25)),
        )
    if kind == "sheet":
        return ("sheet", draw(st.sampled_from(["rename", "delete", "delete_meta", "hide", "add"])))
    field = draw(st.sampled_from(["填报单位", "报告期", "填报人", "联系电话"]))
    return ("header", field, draw(st.one_of(cell_values, st.just("LABEL"))))


@st.composite
def package_edits(draw):
    kind = draw(st.sampled_from(["flip", "truncate", "drop_part", "garble_part"]))
    if kind == "flip":
        return (
            "flip",
            draw(st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=6)),
        )
    return (kind, draw(st.floats(0, 1)))


examples = st.tuples(
    st.sampled_from(sorted(RETURNS)),
    st.lists(workbook_edits(), max_size=4),
    st.lists(package_edits(), max_size=2),
)


def _data_start(ws, spec) -> int:
    labels = {c.label for c in spec.columns}
    for row in ws.iter_rows(min_row=1, max_row=30):
        if sum(1 for c in row if isinstance(c.value, str) and c.value.strip() in labels) >= 2:
            return row[0].row + 1
    return 6


def _apply_workbook_edits(original: bytes, code: str, edits) -> bytes:
    spec = RETURNS[code]
    wb = load_workbook(io.BytesIO(original))
    ws = wb[spec.sheet]
    start = _data_start(ws, spec)
    for edit in edits:
        if edit[0] == "cell":
            _, row, col, value = edit
            cell = ws.cell(row=start + row, column=1 + col)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # typed as text, as the template's text cells are
        elif edit[0] == "row":
            _, how, row = edit
            if how == "delete":
                ws.delete_rows(start + row)
            elif how == "insert":
                ws.insert_rows(start + row)
            else:
                for col in range(1, len(spec.columns) + 1):
                    ws.cell(start + row + 1, col).value = ws.cell(start + row, col).value
        elif edit[0] == "sheet":
            what = edit[1]
            if what == "rename" and spec.sheet in wb.sheetnames:
                wb[spec.sheet].title = "Sheet9"
            elif what == "delete" and spec.sheet in wb.sheetnames:
                del wb[spec.sheet]
            elif what == "delete_meta" and "_meta" in wb.sheetnames:
                del wb["_meta"]
            elif what == "hide" and spec.sheet in wb.sheetnames:
                wb[spec.sheet].sheet_state = "hidden"
            elif what == "add":
                wb.create_sheet("附表")["A1"] = "备注"
        else:
            _, label, value = edit
            if spec.sheet not in wb.sheetnames:
                continue
            sheet = wb[spec.sheet]
            for row in sheet.iter_rows(min_row=1, max_row=5):
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.strip().rstrip("：:") == label:
                        if value == "LABEL":
                            cell.value = label + "（改）"
                        else:
                            sheet.cell(cell.row, cell.column + 1).value = value
        if spec.sheet in wb.sheetnames:
            ws = wb[spec.sheet]
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _apply_package_edits(data: bytes, edits) -> bytes:
    for edit in edits:
        if edit[0] == "flip":
            if not data:
                continue
            raw = bytearray(data)
            for where, mask in edit[1]:
                raw[min(int(where * len(raw)), len(raw) - 1)] ^= mask
            data = bytes(raw)
        elif edit[0] == "truncate":
            data = data[: int(edit[1] * len(data))]
        else:
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as zin:
                    names = zin.namelist()
                    victim = names[min(int(edit[1] * len(names)), len(names) - 1)]
                    out = io.BytesIO()
                    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
                        for name in names:
                            if name != victim:
                                zout.writestr(name, zin.read(name))
                            elif edit[0] == "garble_part":
                                zout.writestr(name, b"<x>" + bytes(range(256)) + b"</x")
                data = out.getvalue()
            except Exception:  # noqa: BLE001 - an earlier edit broke the package: leave it so
                pass
    return data


# --- the independent read ----------------------------------------------------------------

_SPACES = " \t\r\n\u3000\u00a0"
_EPOCH = dt.date(1899, 12, 30)


def _digits(value) -> list[int]:
    return [int(d) for d in re.findall(r"\d+", unicodedata.normalize("NFKC", str(value)))]


def _as_number(value) -> Decimal:
    if isinstance(value, bool):
        raise AssertionError("a yes/no cell loaded as a number")
    if isinstance(value, int | float):
        return Decimal(str(float(value)))
    text = unicodedata.normalize("NFKC", str(value)).strip(_SPACES).replace(",", "")
    return Decimal(str(float(text.replace(" ", ""))))


def _assert_same(column, cell, loaded) -> None:
    """The loaded value against the cell as openpyxl reads it, by the column's type."""
    where = f"{column.label}: cell {cell!r}, loaded {loaded!r}"
    blank = cell is None or (isinstance(cell, str) and cell.strip(_SPACES) == "")
    if blank:
        assert loaded is None, where
        return
    if column.type == "count":
        assert Decimal(loaded) == _as_number(cell), where
    elif column.type in ("amount", "number"):
        assert abs(Decimal(loaded) - _as_number(cell)) <= Decimal("0.00005"), where
    elif column.type == "date":
        if isinstance(cell, dt.datetime):
            assert loaded == cell.date(), where
        elif isinstance(cell, int | float):
            assert loaded == _EPOCH + dt.timedelta(days=int(cell)), where
        else:
            assert _digits(cell) == [loaded.year, loaded.month, loaded.day] or _digits(cell) == [
                int(f"{loaded:%Y%m%d}")
            ], where
    elif column.type == "month":
        if isinstance(cell, dt.datetime):
            assert loaded == f"{cell:%Y-%m}", where
        elif isinstance(cell, int | float):
            assert loaded == f"{_EPOCH + dt.timedelta(days=int(cell)):%Y-%m}", where
        else:
            y, m = int(loaded[:4]), int(loaded[5:])
            assert _digits(cell) in ([y, m], [int(f"{y}{m:02d}")]), where
    elif column.type == "yesno":
        assert {"是": True, "否": False}[str(cell).strip(_SPACES)] == loaded, where
    else:
        if isinstance(cell, float) and cell.is_integer():
            text = str(int(cell))
        elif isinstance(cell, dt.datetime) and cell.time() == dt.time():
            text = cell.date().isoformat()  # a date typed into a text column: its day
        else:
            text = str(cell).strip(_SPACES)
        if column.type in ("uscc", "target_code"):
            text = text.upper()
        assert loaded == text, where


def _assert_loaded_as_openpyxl_reads(data: bytes, code: str, rows: list[dict]) -> None:
    spec = RETURNS[code]
    ws = load_workbook(io.BytesIO(data), data_only=True)[spec.sheet]
    # Columns by their labels, wherever the department moved them.
    label_row, columns = None, {}
    for row in ws.iter_rows(min_row=1, max_row=30):
        found = {
            c.name: cell.column
            for cell in row
            for c in spec.columns
            if isinstance(cell.value, str) and cell.value.strip(_SPACES).rstrip("：:") == c.label
        }
        if len(found) > len(columns):
            label_row, columns = row[0].row, found
    assert set(columns) == {c.name for c in spec.columns}
    # Every row with a figure of the department's own, except a total row, is loaded.
    own = [c for c in spec.columns if not (spec.skip_blank_prefilled_rows and c.prefilled)]
    expected_rows = []
    for r in range(label_row + 1, ws.max_row + 1):
        values = {c.name: ws.cell(r, columns[c.name]).value for c in spec.columns}
        if all(v is None or str(v).strip(_SPACES) == "" for v in (values[c.name] for c in own)):
            continue
        if any(
            str(v).strip(_SPACES).replace(" ", "") in TOTAL_LABELS
            for v in values.values()
            if v is not None
        ):
            continue
        expected_rows.append((r, values))
    assert [r for r, _ in expected_rows] == sorted(row["source_row"] for row in rows)
    by_row = {row["source_row"]: row for row in rows}
    for r, values in expected_rows:
        for column in spec.columns:
            _assert_same(column, values[column.name], by_row[r][column.name])


# --- the property --------------------------------------------------------------------------

_names = itertools.count()


@settings(settings.get_profile(PROFILE))
@given(example=examples)
def test_every_mutated_file_is_answered_and_loads_exactly_what_it_holds(
    example, originals, pipeline, validator, tmp_path_factory
):
    code, workbook_changes, package_changes = example
    warehouse, store, parse = pipeline
    department, original = originals[code]
    data = _apply_workbook_edits(original, code, workbook_changes)
    data = _apply_package_edits(data, package_changes)

    drop = tmp_path_factory.getbasetemp() / "drops" / f"{code}_2026-03_{next(_names)}.xlsx"
    drop.parent.mkdir(exist_ok=True)
    drop.write_bytes(data)
    delivery = warehouse.archive.receive(drop, department, RECEIVED)
    drop.unlink()

    results = ingest_pending(
        warehouse.archive,
        store,
        warehouse.outbox_root,
        warehouse.ingest_context(),
        lambda: validator,
        parse,
    )
    (result,) = [r for r in results if r.delivery_id == delivery.delivery_id]
    assert Path(result.receipt).is_file()
    con = store.con
    assert con.execute(
        "select count(*) from raw.deliveries where delivery_id = ?", [delivery.delivery_id]
    ).fetchone() == (1,)
    (outcome, read, loaded, rejected) = con.execute(
        "select outcome, rows_read, rows_loaded, rows_rejected from raw.files where file_sha256 = ?",
        [delivery.sha256],
    ).fetchone()
    assert read == loaded + rejected
    if result.outcome == "duplicate":
        return
    assert outcome == result.outcome
    # A fault of ours would be a finding too, but it is still a bug: none may turn up.
    assert result.fault is None, result.fault
    if outcome == "rejected":
        assert loaded == 0
        assert (
            con.execute(
                "select count(*) from raw.findings where file_sha256 = ? and rule_class = '强制性'",
                [delivery.sha256],
            ).fetchone()[0]
            >= 1
        )
        return
    spec = RETURNS[code]
    cursor = con.execute(
        f"select * exclude (file_sha256, department_code, period, sheet_name) "
        f"from raw.{spec.raw_table} where file_sha256 = ?",
        [delivery.sha256],
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    assert len(rows) == loaded
    _assert_loaded_as_openpyxl_reads(data, code, rows)
