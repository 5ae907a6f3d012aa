"""The rows a template comes with: the contract both the template and the reader hold to."""

from __future__ import annotations

from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import ReturnSpec


def prefilled_rows(spec: ReturnSpec, department_code: str, reference: Reference) -> list[dict]:
    """The rows a department's template comes with: one per street, or one per own target."""
    if spec.prefill_column == "street":
        return [{"street": s} for s in reference.streets]
    if spec.prefill_column == "target_code":
        return [
            {"target_code": t.code, "target_name": t.name, "unit": t.unit}
            for t in reference.targets_reported_by(department_code, spec.code)
        ]
    return []
