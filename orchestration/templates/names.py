"""What a department's template file is called (the parser names it in receipts too)."""

from __future__ import annotations

from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import ReturnSpec


def template_filename(spec: ReturnSpec, department_code: str, reference: Reference) -> str:
    """``jobs.xlsx`` when one department files the return, ``indicators_czj.xlsx`` otherwise."""
    if len(reference.departments_filing(spec.code)) > 1:
        return f"{spec.code}_{department_code}.xlsx"
    return f"{spec.code}.xlsx"
