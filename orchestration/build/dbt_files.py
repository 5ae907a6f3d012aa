"""What dbt knows of the returns, generated from the return definitions like the Great
Expectations suites, so a column's label, whether it may be empty, its allowed values and the
reference table it must match are written once, in ``ingest_templates/returns/<return>.yml``:

- each return's staging properties (``models/staging/stg_raw__<return>.yml``): descriptions
  and tests (the required columns in one ``not_null_columns`` test of the model);
- the macro ``return_value_sets`` (``macros/return_value_sets.sql``): the allowed values the
  models' business rules name through ``return_value(...)``, checked when dbt compiles.

The files are under version control (``indicators expectations`` writes them); a test fails
when one differs from what the definitions generate.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.contract.return_spec import ColumnSpec, ReturnSpec

# The lineage every staging model of a return starts with (macro lineage_columns); never empty.
_LINEAGE = (
    (
        "file_sha256",
        "The archived file the row came from.",
        ["relationships: {arguments: {to: ref('stg_raw__files'), field: file_sha256}}"],
    ),
    ("period", "报告期, YYYY-MM.", []),
    ("source_row", "The row number as Excel shows it in the data sheet.", []),
)

# Column types whose values must be a row of a reference seed: (seed, its column).
_REFERENCES = {
    "street": ("streets", "street_name"),
    "industry": ("industry_sections", "section_name"),
    "target_code": ("target_register", "target_code"),
}


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a YAML double-quoted scalar


def _column_tests(column: ColumnSpec) -> list[str]:
    tests = []
    if column.values:
        values = ", ".join(_quoted(v) for v in column.values)
        tests.append(f"accepted_values: {{arguments: {{values: [{values}]}}}}")
    if column.type in _REFERENCES:
        seed, field = _REFERENCES[column.type]
        tests.append(f"relationships: {{arguments: {{to: ref('{seed}'), field: {field}}}}}")
    return tests


def _column_lines(name: str, description: str, tests: list[str]) -> list[str]:
    lines = [f"      - name: {name}", f"        description: {_quoted(description)}"]
    if tests:
        lines.append("        data_tests:")
        lines.extend(f"          - {t}" for t in tests)
    return lines


def _required_columns(spec: ReturnSpec) -> list[str]:
    # A required cell left empty is an error, and a row with an error is never loaded.
    required = [column.warehouse_name for column in spec.columns if column.required]
    return [name for name, _, _ in _LINEAGE] + required


def staging_model_name(spec: ReturnSpec) -> str:
    return f"stg_raw__{spec.code}"


def staging_properties_text(spec: ReturnSpec) -> str:
    description = (
        f"Rows of every accepted {spec.title} file, every version, renamed and cast from "
        f"raw.{spec.code}. One row as the return asks: {spec.grain}"
    )
    lines = [
        f"# Generated from ingest_templates/returns/{spec.code}.yml by `indicators expectations`;",
        "# edit the definition, not this file (a test fails when they differ).",
        "version: 2",
        "",
        "models:",
        f"  - name: {staging_model_name(spec)}",
        f"    description: {_quoted(description)}",
        "    data_tests:",
        "      - not_null_columns:",
        "          arguments:",
        f"            column_names: [{', '.join(_required_columns(spec))}]",
        "    columns:",
    ]
    for name, text, tests in _LINEAGE:
        lines.extend(_column_lines(name, text, tests))
    for column in spec.columns:
        lines.extend(_column_lines(column.warehouse_name, column.label, _column_tests(column)))
    return "\n".join(lines) + "\n"


def staging_properties_path(models_dir: Path, spec: ReturnSpec) -> Path:
    return models_dir / "staging" / f"{staging_model_name(spec)}.yml"


def value_sets_macro_text(returns: dict[str, ReturnSpec]) -> str:
    sets = {
        spec.code: {c.name: list(c.values) for c in spec.columns if c.values}
        for spec in returns.values()
    }
    sets = {code: columns for code, columns in sets.items() if columns}
    # JSON of strings, lists and dicts is also a Jinja literal.
    literal = json.dumps(sets, ensure_ascii=False, indent=4)
    return (
        "{# Generated from ingest_templates/returns/*.yml by `indicators expectations`; edit the\n"
        "   definitions, not this file (a test fails when they differ). The allowed values of\n"
        "   each enum column, for return_value(). #}\n"
        "{% macro return_value_sets() -%}\n"
        f"{{{{ return({literal}) }}}}\n"
        "{%- endmacro %}\n"
    )


def value_sets_macro_path(project_dir: Path) -> Path:
    return project_dir / "macros" / "return_value_sets.sql"


def write_dbt_files(project_dir: Path, returns: dict[str, ReturnSpec]) -> list[Path]:
    """Every dbt file the definitions generate."""
    texts = {
        staging_properties_path(project_dir / "models", s): staging_properties_text(s)
        for s in returns.values()
    }
    texts[value_sets_macro_path(project_dir)] = value_sets_macro_text(returns)
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    return list(texts)
