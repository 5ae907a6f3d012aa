"""What a department's next template carries over from its last accepted month.

The investment return lists every project of the district's register each month; 发改局
should not retype 39 projects. Its template for a month lists the projects of the latest
accepted month before it, from the published snapshot: identity and state carried, the
month's own amounts left blank to be filled (0 where nothing happened).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

_PROJECTS = """
select project_code, project_name, project_category, total_investment_100m_yuan,
       project_status, start_date, street_name
from marts.fct_investment_projects_monthly
where period = (
    select max(period) from marts.fct_investment_projects_monthly where period < ?
)
order by source_row
"""
# A project that started last month is under way this month.
_NEXT_STATUS = {"新开工": "续建"}


def projects_carried_into(snapshot: Path, period: str) -> list[dict]:
    """The investment rows a template for ``period`` starts with (none without a snapshot)."""
    if not snapshot.exists():
        return []
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute(_PROJECTS, [period]).fetchall()
    finally:
        con.close()
    return [
        {
            "project_code": code,
            "project_name": name,
            "project_category": category,
            "total_investment": float(total),
            "project_status": _NEXT_STATUS.get(status, status),
            "start_date": start,
            "street": street,
        }
        for code, name, category, total, status, start, street in rows
    ]
