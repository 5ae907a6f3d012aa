"""The status rule of every comparator in the register, from the dbt macro the marts use."""

import duckdb
import jinja2
import pytest

from orchestration import paths

MACRO = paths.DBT_PROJECT_DIR / "macros" / "target_status.sql"


def _status(comparator: str, completion: float, expected: float, tolerance: float = 0.05):
    template = MACRO.read_text(encoding="utf-8") + ("{{ target_status('c', 'r', 'e', 't') }}")
    expression = jinja2.Template(template).render()
    con = duckdb.connect()
    sql = (
        f"select {expression} from (select ? as c, ?::double as r, ?::double as e, ?::double as t)"
    )
    return con.execute(sql, [comparator, completion, expected, tolerance]).fetchone()[0]


@pytest.mark.parametrize(
    "comparator, completion, expected, status",
    [
        # ≥ 以上/不少于: at the target, or within the band, is on track.
        ("≥", 1.00, 1.0, "正常"),
        ("≥", 0.96, 1.0, "正常"),
        ("≥", 0.94, 1.0, "滞后"),
        ("≥", 1.05, 1.0, "超前"),
        ("≥", 0.50, 0.5, "正常"),
        # ≈ 左右: about the target.
        ("≈", 1.00, 1.0, "正常"),
        ("≈", 0.94, 1.0, "滞后"),
        # > 超过/突破: the target must be exceeded once it is due in full.
        (">", 1.00, 1.0, "滞后"),
        (">", 0.97, 1.0, "滞后"),
        (">", 1.02, 1.0, "正常"),
        (">", 1.06, 1.0, "超前"),
        (">", 0.50, 0.5, "正常"),  # half-way through the year, on pace
        (">", 0.44, 0.5, "滞后"),
        # = 保持: "保持 100%" at 96% is not kept.
        ("=", 0.96, 1.0, "滞后"),
        ("=", 1.00, 1.0, "正常"),
        # ≤ a ceiling: over it is off track, under it is fine.
        ("≤", 0.90, 1.0, "正常"),
        ("≤", 1.06, 1.0, "滞后"),
    ],
)
def test_each_comparator(comparator, completion, expected, status):
    assert _status(comparator, completion, expected) == status


def test_every_comparator_of_the_register_has_a_rule(reference):
    assert {t.comparator for t in reference.targets.values()} <= {"≥", ">", "≈", "=", "≤"}
