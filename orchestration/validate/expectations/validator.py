"""Runs each return's expectation suite once over the rows of every file of a run, and
turns each failure back into a finding at its file's cell.

One Great Expectations file context per run, under the warehouse home (suites, results
and Data Docs live there). GX costs a fixed tenth of a second or more per validation
whatever its size, so a run judges all files of a return together: every rule is stated
row by row (a file's own month and register are columns of its rows), and uniqueness is
within a file (``file_no``). The results stored are the ones that judged the files, and
the run's Data Docs are built from them.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.contract.findings import Finding, RuleCatalogue
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import ReturnSpec
from orchestration.read.return_parser import ParsedReturn
from orchestration.validate.expectations.derived_columns import (
    DERIVED,
    EXPECTED_FOR_ROW,
    FiledAs,
)

log = logging.getLogger(__name__)
DATASOURCE = "returns"
# Columns every validation frame carries besides the return's own: which file of the batch
# a row is from, and the first and last day of that file's month.
FILE_NO, PERIOD_START, PERIOD_END = "file_no", "period_start", "period_end"


def _period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = dt.date(int(period[:4]), int(period[5:7]), 1)
    nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return pd.Timestamp(start), pd.Timestamp(nxt - dt.timedelta(days=1))


def filed_as(spec: ReturnSpec, parsed: ParsedReturn, reference: Reference) -> FiledAs:
    return FiledAs(reference.for_period(parsed.period), spec.code, parsed.department_code)


def frame_for_validation(
    spec: ReturnSpec, files: list[tuple[int, ParsedReturn]], reference: Reference
) -> pd.DataFrame:
    """The typed rows of a batch of files as GX sees them, each row with its file's number
    and month: dates as timestamps, months as their first day.

    Built a column at a time over the whole batch: one call per column, whether the batch
    is one 50,000-row directory or 500 returns of ten rows."""
    rows: list[dict] = []
    owners: list[int] = []
    starts: list[pd.Timestamp] = []
    ends: list[pd.Timestamp] = []
    derived = {name: [] for name in derived_columns(spec)}
    for file_no, parsed in files:
        filed = filed_as(spec, parsed, reference)
        start, end = _period_bounds(parsed.period)
        count = len(parsed.rows)
        rows += parsed.rows
        owners += [file_no] * count
        starts += [start] * count
        ends += [end] * count
        for name, values in derived.items():
            values += [DERIVED[name](row, filed) for row in parsed.rows]
    columns: dict[str, object] = {}
    for c in spec.columns:
        values = [row.get(c.name) for row in rows]
        if c.type == "month":
            columns[c.name] = pd.to_datetime(pd.Series(values, dtype=object), format="%Y-%m")
        elif c.type == "date":
            columns[c.name] = pd.to_datetime(pd.Series(values, dtype=object))
        elif c.type in ("amount", "number"):
            floats = [None if v is None else float(v) for v in values]
            columns[c.name] = pd.to_numeric(pd.Series(floats, dtype=object))
        elif c.type == "count":
            columns[c.name] = pd.to_numeric(pd.Series(values, dtype=object))
        else:
            columns[c.name] = pd.Series(values, dtype=object)
    for name, values in derived.items():
        columns[name] = pd.Series(values, dtype=object)
    columns[FILE_NO] = pd.Series(owners, dtype="int64")
    columns[PERIOD_START] = pd.Series(starts)
    columns[PERIOD_END] = pd.Series(ends)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def derived_columns(spec: ReturnSpec) -> list[str]:
    names = [c["derived"] for c in spec.checks if c.get("derived")]
    if any(c.type == "target_code" for c in spec.columns):
        names.append("target_in_register")
    return list(dict.fromkeys(names))


class ReturnValidator:
    def __init__(
        self, suites: dict[str, dict], reference: Reference, rules: RuleCatalogue, gx_root: Path
    ):
        import great_expectations as gx  # seconds to import: once per run, only when files come
        from great_expectations.expectations.registry import get_expectation_impl

        self.reference = reference
        self.rules = rules
        self.gx_root = gx_root
        gx_root.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(gx_root))
        self.context.variables.progress_bars = {"globally": False}
        self.context.variables.save()
        source = self.context.data_sources.add_or_update_pandas(DATASOURCE)
        self.definitions = {}
        self.run_names: list[str] = []  # this validator's validations, for its Data Docs
        for code, suite_dict in suites.items():
            # Given whole: add_expectation would look the suite up in its store each time.
            expectations = [
                get_expectation_impl(e["type"])(
                    **e["kwargs"], meta=e["meta"], severity=e["severity"]
                )
                for e in suite_dict["expectations"]
            ]
            suite = gx.ExpectationSuite(
                name=code, expectations=expectations, meta=suite_dict.get("meta")
            )
            suite = self.context.suites.add_or_update(suite)
            asset = source.add_dataframe_asset(code)
            batch = asset.add_batch_definition_whole_dataframe(f"{code}_files")
            self.definitions[code] = self.context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=code, data=batch, suite=suite)
            )

    def validate(self, spec: ReturnSpec, parsed: ParsedReturn) -> list[Finding]:
        """Findings for every failed expectation of one file."""
        return self.validate_batch(spec, [parsed])[0]

    def validate_batch(self, spec: ReturnSpec, files: list[ParsedReturn]) -> list[list[Finding]]:
        """Each file's findings, from one validation of the suite over all their rows.
        A file without rows or without a month is not judged (its reading said why)."""
        from great_expectations.core.run_identifier import RunIdentifier

        judged = [i for i, p in enumerate(files) if p.rows and p.period is not None]
        found: list[list[Finding]] = [[] for _ in files]
        if not judged:
            return found
        frame = frame_for_validation(spec, [(i, files[i]) for i in judged], self.reference)
        run_name = f"{spec.code}-{uuid.uuid4().hex[:12]}"
        result = self.definitions[spec.code].run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE"},
            run_id=RunIdentifier(run_name=run_name),
        )
        self.run_names.append(run_name)
        # A row of the batch -> (file, row within the file).
        owner = frame[FILE_NO].to_numpy()
        first_row = {i: int(start) for i, start in zip(*_first_rows(owner), strict=True)}
        for r in result.results:
            if r.success:
                continue
            if r.exception_info and r.exception_info.get("raised_exception"):
                log.error("expectation %s raised: %s", r.expectation_config.type, r.exception_info)
            for index in r.result.get("unexpected_index_list") or []:
                i = int(owner[index])
                found[i].append(
                    self._finding(spec, files[i], r.expectation_config.meta, index - first_row[i])
                )
        return found

    def _finding(self, spec: ReturnSpec, parsed: ParsedReturn, meta: dict, i: int) -> Finding:
        column = spec.column(meta["column"])
        start, end = _period_bounds(parsed.period)
        shown = {
            "period": parsed.period,
            "period_start": start.date().isoformat(),
            "period_end": end.date().isoformat(),
        }
        expected = (meta.get("expected") or "").format(**shown) or None
        row = parsed.rows[i]
        explain = EXPECTED_FOR_ROW.get(meta["rule_code"])
        if explain is not None:
            expected = explain(row, filed_as(spec, parsed, self.reference)) or expected
        detail = None
        if meta["rule_code"] == "VALUE_DUPLICATED":
            detail = "、".join(
                str(other["source_row"])
                for other in parsed.rows
                if other is not row and other.get(column.name) == row.get(column.name)
            )
        return self.rules.finding(
            meta["rule_code"],
            sheet=parsed.sheet_name,
            row=row["source_row"],
            col_index=parsed.column_index.get(column.name),
            column=column.label,
            value=parsed.raw_text[i].get(column.name) or None,
            expected=expected,
            detail=detail,
        )

    def build_data_docs(self) -> Path | None:
        """Data Docs of the validations this validator ran: the ones that judged the files."""
        if not self.run_names:
            return None
        names = set(self.run_names)
        keys = [
            key
            for key in self.context.validation_results_store.list_keys()
            if key.run_id.run_name in names
        ]
        self.context.build_data_docs(resource_identifiers=keys)
        self.run_names = []
        index = self.gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        return index if index.exists() else None


def _first_rows(owner: np.ndarray) -> tuple[list[int], list[int]]:
    """The file numbers in a batch and the batch row where each file's rows begin."""
    starts = np.flatnonzero(np.diff(owner, prepend=-1))
    return owner[starts].tolist(), starts.tolist()
