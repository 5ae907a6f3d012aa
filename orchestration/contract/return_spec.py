"""The return definitions (``ingest_templates/returns/*.yml``) as typed objects.

One definition drives the template, the parser, the raw table and the expectations, so
a label is typed once, in the YAML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path

import yaml

from orchestration import paths

# Column types the parser knows how to read, and the DuckDB type each loads as.
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "enum": "VARCHAR",
    "street": "VARCHAR",
    "industry": "VARCHAR",
    "uscc": "VARCHAR",
    "target_code": "VARCHAR",
    "unit": "VARCHAR",
    "month": "VARCHAR",
    "count": "BIGINT",
    "amount": "DECIMAL(20, 4)",
    "number": "DECIMAL(20, 4)",
    "date": "DATE",
    "yesno": "BOOLEAN",
}

# What a value may be before it is loaded, far inside what its DuckDB type stores (BIGINT
# about 9.2e18, DECIMAL(20, 4) below 1e16), so no insert can fail on a value that passed.
# Counts state their own bound in the definition (`max:`); the rest default to these.
DECIMAL_PLACES = 4  # the scale of DECIMAL(20, 4): amounts are rounded to it when read
AMOUNT_BOUND = Decimal(10) ** 12
DATE_WINDOW = (dt.date(1950, 1, 1), dt.date(2099, 12, 31))
MONTH_WINDOW = tuple(f"{d:%Y-%m}" for d in DATE_WINDOW)
TEXT_MAX_CHARS = 500
_TEXT_TYPES = {t for t, duckdb_type in DUCKDB_TYPES.items() if duckdb_type == "VARCHAR"} - {"month"}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    label: str
    type: str
    required: bool
    help: str
    values: tuple[str, ...] = ()  # the allowed values of an enum
    min: float | None = None  # amounts: the smallest allowed value
    min_exclusive: bool = False
    unique: bool = False  # no two rows of a file may repeat it
    of: str | None = None  # a unit column: the code column whose register unit it must match
    prefilled: bool = False  # the template fills it in; a row with only these cells is blank
    max: float | None = None  # counts (required) and amounts: the largest value allowed
    staging_name: str | None = None  # the dbt staging model's name for it, where it differs

    @property
    def warehouse_name(self) -> str:
        """The column's name from dbt's staging models on (the raw table keeps ``name``)."""
        return self.staging_name or self.name

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    @cached_property  # asked for every cell read
    def upper_bound(self) -> Decimal | None:
        """The largest magnitude a count or an amount may have (None for other types)."""
        if self.type == "count" or (self.type in ("amount", "number") and self.max is not None):
            return Decimal(str(self.max))
        return AMOUNT_BOUND if self.type in ("amount", "number") else None

    @cached_property
    def max_chars(self) -> int | None:
        return TEXT_MAX_CHARS if self.type in _TEXT_TYPES else None


@dataclass(frozen=True)
class HeaderField:
    name: str
    label: str
    required: bool = False


@dataclass(frozen=True)
class ReturnSpec:
    code: str
    title: str
    version: int
    sheet: str
    grain: str
    columns: tuple[ColumnSpec, ...]
    rows: int = 500  # input rows a template offers when it is not pre-filled
    allow_empty: bool = False  # a file with no data rows is a valid "nothing this month"
    prefill_column: str | None = None  # the column whose values the template pre-fills
    skip_blank_prefilled_rows: bool = False  # a pre-filled row left blank is "no figure"
    checks: tuple[dict, ...] = ()  # hand-written business rules, as Great Expectations runs them
    # What the dbt models make of the return (measure -> description): the feeding_measure
    # names a register row may use.
    measures: dict[str, str] = field(default_factory=dict)

    @property
    def raw_table(self) -> str:
        return self.code

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def summed_columns(self) -> list[ColumnSpec]:
        """The count and amount columns: the monthly totals the history checks compare."""
        return [c for c in self.columns if c.type in ("count", "amount")]


@dataclass(frozen=True)
class Contract:
    """What every template shares: identity sheet, header area, reporting year."""

    meta_sheet: str
    meta_fields: tuple[HeaderField, ...]
    lists_sheet: str
    instructions_sheet: str
    header_fields: tuple[HeaderField, ...]


def _load_return(path: Path) -> ReturnSpec:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    prefill = data.get("prefill") or {}
    columns = tuple(
        ColumnSpec(
            name=c["name"],
            label=c["label"],
            type=c["type"],
            required=bool(c.get("required", False)),
            help=c.get("help", ""),
            values=tuple(c.get("values", ())),
            min=c.get("min"),
            min_exclusive=bool(c.get("min_exclusive", False)),
            unique=bool(c.get("unique", False)),
            of=c.get("of"),
            prefilled=bool(c.get("prefilled", False)),
            max=c.get("max"),
            staging_name=c.get("staging_name"),
        )
        for c in data["columns"]
    )
    unknown = {c.type for c in columns} - DUCKDB_TYPES.keys()
    if unknown:
        raise ValueError(f"{path.name}: unknown column types {sorted(unknown)}")
    unbounded = [c.name for c in columns if c.type == "count" and c.max is None]
    if unbounded:
        raise ValueError(f"{path.name}: count columns without a `max:` bound {unbounded}")
    return ReturnSpec(
        code=data["code"],
        title=data["title"],
        version=int(data["version"]),
        sheet=data["sheet"],
        grain=data["grain"],
        columns=columns,
        rows=int(data.get("rows", 500)),
        allow_empty=bool(data.get("allow_empty", False)),
        prefill_column=prefill.get("column"),
        skip_blank_prefilled_rows=prefill.get("blank_rows") == "skip",
        checks=tuple(data.get("checks") or ()),
        measures=dict(data.get("measures") or {}),
    )


@cache
def load_returns(returns_dir: Path = paths.RETURNS_DIR) -> dict[str, ReturnSpec]:
    """Every return definition, keyed by return code."""
    specs = [_load_return(p) for p in sorted(returns_dir.glob("*.yml"))]
    return {s.code: s for s in specs}


@cache
def load_contract(path: Path = paths.CONTRACT_FILE) -> Contract:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def fields(key: str) -> tuple[HeaderField, ...]:
        return tuple(HeaderField(**f) for f in data[key])

    return Contract(
        meta_sheet=data["meta_sheet"],
        meta_fields=fields("meta_fields"),
        lists_sheet=data["lists_sheet"],
        instructions_sheet=data["instructions_sheet"],
        header_fields=fields("header_fields"),
    )
