"""A new warehouse home for a benchmark: files are taken as soon as they are dropped."""

from __future__ import annotations

import tempfile
from pathlib import Path


def fresh_home(root: Path, prefix: str = "home-") -> Path:
    home = Path(tempfile.mkdtemp(dir=root, prefix=prefix))
    # No settling wait: the benchmark writes each file whole before it drops it.
    (home / "settings.yml").write_text("intake_settle_seconds: 0\n", encoding="utf-8")
    return home
