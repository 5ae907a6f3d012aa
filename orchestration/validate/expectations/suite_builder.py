"""Builds each return's expectation suite: the definition's own rules plus its hand-written checks.

From the definition: required columns are not null, enumerations and reference lists
(streets, industry sections, register codes) are sets, counts and amounts have their
minimum, unique columns are unique. Then the return's ``checks:``. Every expectation
carries the rule code it reports as, its column and what is expected (for the receipt),
and a severity from the rule's class (强制性 → critical, 核实性 → warning).
"""

from __future__ import annotations

from orchestration.contract.findings import BLOCKING_CLASS, RuleCatalogue
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import ReturnSpec


def _expectation(
    rules: RuleCatalogue, rule: str, column: str, kind: str, kwargs: dict, expected: str | None
):
    severity = "critical" if rules.rules[rule].rule_class == BLOCKING_CLASS else "warning"
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": {"rule_code": rule, "column": column, "expected": expected},
        "severity": severity,
    }


def build_suite(spec: ReturnSpec, reference: Reference, rules: RuleCatalogue) -> dict:
    out = []

    def add(rule, column, kind, kwargs, expected=None):
        out.append(_expectation(rules, rule, column, kind, kwargs, expected))

    for c in spec.columns:
        if c.required:
            add("VALUE_REQUIRED", c.name, "expect_column_values_to_not_be_null", {"column": c.name})
        if c.type == "enum":
            add(
                "VALUE_NOT_ALLOWED",
                c.name,
                "expect_column_values_to_be_in_set",
                {"column": c.name, "value_set": list(c.values)},
                "、".join(c.values),
            )
        elif c.type == "street":
            streets = list(reference.streets)
            add(
                "STREET_UNKNOWN",
                c.name,
                "expect_column_values_to_be_in_set",
                {"column": c.name, "value_set": streets},
                "、".join(streets),
            )
        elif c.type == "industry":
            add(
                "VALUE_NOT_ALLOWED",
                c.name,
                "expect_column_values_to_be_in_set",
                {"column": c.name, "value_set": list(reference.industries)},
                "GB/T 4754 门类名称",
            )
        elif c.type == "target_code":
            # The register of the file's own year: a column of its rows (derived_columns).
            add(
                "TARGET_UNKNOWN",
                c.name,
                "expect_column_values_to_be_in_set",
                {"column": "target_in_register", "value_set": [True]},
                "目标登记表中的指标代码",
            )
        elif c.type == "count":
            add(
                "VALUE_NEGATIVE",
                c.name,
                "expect_column_values_to_be_between",
                {"column": c.name, "min_value": 0},
                "不小于 0 的整数",
            )
        elif c.type == "amount" and c.min is not None:
            word = "大于" if c.min_exclusive else "不小于"
            add(
                "VALUE_OUT_OF_RANGE",
                c.name,
                "expect_column_values_to_be_between",
                {"column": c.name, "min_value": c.min, "strict_min": c.min_exclusive},
                f"{word} {c.min:g} 的数",
            )
        if c.unique:
            # Unique within a file: one validation judges the rows of all a run's files.
            add(
                "VALUE_DUPLICATED",
                c.name,
                "expect_compound_columns_to_be_unique",
                {"column_list": ["file_no", c.name], "ignore_row_if": "any_value_is_missing"},
            )
    for check in spec.checks:
        target_column = check.get("derived") or check["column"]
        kwargs = dict(check.get("kwargs") or {})
        if "column_A" not in kwargs:
            kwargs["column"] = target_column
        add(check["rule"], check["column"], check["expectation"], kwargs, check.get("expected"))
    return {
        "name": spec.code,
        "expectations": out,
        "meta": {"built_from": f"ingest_templates/returns/{spec.code}.yml"},
    }
