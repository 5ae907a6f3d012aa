"""The benchmark cannot rot: its quick run goes end to end and its figures add up.

Speed is never asserted here (the figures are for people to compare, before and after)."""

import json
import subprocess
import sys

import pytest

from orchestration import paths

pytestmark = pytest.mark.slow


def test_the_quick_benchmark_runs_and_writes_consistent_figures(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(paths.REPO_ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["ingest.large.cells"] == 300 * 7  # the quick directory: 300 rows × 7 columns
    assert figures["ingest.small_batch.files"] == 12
    large = figures["ingest.large.seconds"]
    assert large > 0 and figures["ingest.large.cells_per_s"] == pytest.approx(2100 / large)
    ceiling_cells_per_s = figures["ingest.large.ceiling_cells_per_s"]
    assert figures["ingest.large.ratio_vs_ceiling"] == pytest.approx(
        figures["ingest.large.cells_per_s"] / ceiling_cells_per_s
    )
    assert figures["ingest.small_batch.seconds"] > 0
    assert figures["query.target_progress_ms"] > 0 and figures["memory.peak_rss_mb"] > 0
    assert figures["run.nothing_new.seconds"] > 0  # measured on a run that started none
    assert "ingest.large.ratio_vs_ceiling" in done.stdout  # the printed table
    # The quick archive: 25 files over five years, each replayed, then one new file on top.
    assert figures["scale.25.files_recorded"] == 25 + 1
    assert figures["scale.rebuild_s"] == figures["scale.25.rebuild_s"] > 0
    assert (
        figures["scale.25.rebuild.ingest_s"] + figures["scale.25.rebuild.build_s"]
        < (figures["scale.25.rebuild_s"])
    )
    assert figures["scale.incremental_ratio"] == pytest.approx(
        figures["scale.25.one_new_file_s"] / figures["scale.one_file_on_empty.seconds"]
    )
    assert figures["scale.peak_rss_mb"] == figures["scale.25.peak_rss_mb"] > 0
    assert figures["scale.25.target_progress_ms"] > 0  # queried on the rebuilt snapshot
    assert figures["scale.25.monthly_mart_filtered_ms"] > 0
