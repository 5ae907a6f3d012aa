"""The suites as files under version control in ``expectations/<return>.json``.

They are generated (``indicators expectations``) and reviewed like code; the pipeline runs
the files, and a test fails when a file differs from what the definitions generate.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.contract.findings import RuleCatalogue
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import ReturnSpec
from orchestration.validate.expectations.suite_builder import build_suite


def suite_text(suite: dict) -> str:
    return json.dumps(suite, ensure_ascii=False, indent=2) + "\n"


def write_suites(
    out_dir: Path, returns: dict[str, ReturnSpec], reference: Reference, rules: RuleCatalogue
) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in returns.values():
        path = out_dir / f"{spec.code}.json"
        path.write_text(suite_text(build_suite(spec, reference, rules)), encoding="utf-8")
        written.append(path)
    return written


def load_suites(suite_dir: Path) -> dict[str, dict]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(suite_dir.glob("*.json"))
    }
