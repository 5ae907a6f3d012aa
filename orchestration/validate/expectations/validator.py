"""Runs a return's expectation suite on one file's rows and turns failures into findings.

One Great Expectations file context per run, under the warehouse home (suites, results
and Data Docs live there); importing GX costs seconds, validating a file milliseconds.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd

from orchestration.contract.findings import Finding, RuleCatalogue
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import ReturnSpec
from orchestration.read.return_parser import ParsedReturn
from orchestration.validate.expectations.derived_columns import DERIVED, EXPECTED_FOR_ROW

log = logging.getLogger(__name__)
DATASOURCE = "returns"


def _period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = dt.date(int(period[:4]), int(period[5:7]), 1)
    nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return pd.Timestamp(start), pd.Timestamp(nxt - dt.timedelta(days=1))


def frame_for_validation(
    spec: ReturnSpec, parsed: ParsedReturn, reference: Reference
) -> pd.DataFrame:
    """The file's typed rows as GX sees them: dates as timestamps, months as their first day.

    Built a column at a time: a 50,000-row directory is typed in one call per column."""
    rows = parsed.rows
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
    for check in spec.checks:
        if check.get("derived"):
            derive = DERIVED[check["derived"]]
            columns[check["derived"]] = pd.Series(
                [derive(row, reference) for row in rows], dtype=object
            )
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    return frame


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
        self.batches: dict[str, list[pd.DataFrame]] = {}
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
            batch = asset.add_batch_definition_whole_dataframe(f"{code}_file")
            self.definitions[code] = self.context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=code, data=batch, suite=suite)
            )

    def parameters(self, spec: ReturnSpec, parsed: ParsedReturn) -> dict:
        start, end = _period_bounds(parsed.period)
        # The register in force for the return's year decides which codes it may carry.
        targets = self.reference.for_period(parsed.period).targets.values()
        return {
            "period_start": start,
            "period_end": end,
            "register_targets": [t.code for t in targets],
            "return_targets": [t.code for t in targets if t.feeding_return == spec.code],
            "department_targets": [
                t.code
                for t in targets
                if t.feeding_return == spec.code and t.department_code == parsed.department_code
            ],
        }

    def validate(self, spec: ReturnSpec, parsed: ParsedReturn) -> list[Finding]:
        """Findings for every failed expectation, one per cell (an earlier finding wins)."""
        if not parsed.rows or parsed.period is None:
            return []
        reference = self.reference.for_period(parsed.period)
        frame = frame_for_validation(spec, parsed, reference)
        params = self.parameters(spec, parsed)
        result = self.definitions[spec.code].run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=params,
            result_format={"result_format": "COMPLETE"},
        )
        self.batches.setdefault(spec.code, []).append(frame.assign(_file=parsed.sheet_name))
        shown = {
            "period": parsed.period,
            "period_start": params["period_start"].date().isoformat(),
            "period_end": params["period_end"].date().isoformat(),
        }
        findings = []
        for r in result.results:
            if r.success:
                continue
            meta = r.expectation_config.meta
            column = spec.column(meta["column"])
            expected = (meta.get("expected") or "").format(**shown) or None
            rows = r.result.get("unexpected_index_list") or []
            if r.exception_info and r.exception_info.get("raised_exception"):
                log.error("expectation %s raised: %s", r.expectation_config.type, r.exception_info)
            for i in rows:
                row = parsed.rows[i]
                explain = EXPECTED_FOR_ROW.get(meta["rule_code"])
                row_expected = (explain(row, reference) if explain else None) or expected
                detail = None
                if meta["rule_code"] == "VALUE_DUPLICATED":
                    detail = "、".join(
                        str(other["source_row"])
                        for other in parsed.rows
                        if other is not row and other.get(column.name) == row.get(column.name)
                    )
                findings.append(
                    self.rules.finding(
                        meta["rule_code"],
                        sheet=parsed.sheet_name,
                        row=row["source_row"],
                        col_index=parsed.column_index.get(column.name),
                        column=column.label,
                        value=parsed.raw_text[i].get(column.name) or None,
                        expected=row_expected,
                        detail=detail,
                    )
                )
        return findings

    def _every_target_code(self) -> list[str]:
        return sorted({code for register in self.reference.registers.values() for code in register})

    def build_data_docs(self) -> Path | None:
        """Data Docs of this run: one validation per return over all its files' rows."""
        if not self.batches:
            return None
        import great_expectations as gx

        for code, frames in self.batches.items():
            definition = self.definitions[code]
            checkpoint = self.context.checkpoints.add_or_update(
                gx.Checkpoint(
                    name=f"{code}_run",
                    validation_definitions=[definition],
                    actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
                    result_format={"result_format": "SUMMARY"},
                )
            )
            combined = pd.concat(frames, ignore_index=True).drop(columns="_file")
            # Period-dependent rules were judged file by file; the run's summary uses the
            # widest bounds so it reports the definition's rules across all files.
            checkpoint.run(
                batch_parameters={"dataframe": combined},
                expectation_parameters={
                    "period_start": pd.Timestamp("1900-01-01"),
                    "period_end": pd.Timestamp("2999-12-31"),
                    "register_targets": self._every_target_code(),
                    "return_targets": self._every_target_code(),
                    "department_targets": self._every_target_code(),
                },
            )
        self.batches = {}
        index = self.gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        return index if index.exists() else None
