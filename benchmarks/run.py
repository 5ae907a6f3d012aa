"""The performance benchmark: ingest speed against a common baseline and the reader's
ceiling, per-run overhead on a batch of small returns, peak memory, analysts' query time.

    python benchmarks/run.py --out FILE [--quick]

Generates its own returns from the real templates, runs each product measurement as the
data team does (`indicators run` in its own process, a fresh warehouse home each time),
reads the ingest steps' durations from the run's Dagster event log, prints a table, and
writes the medians as JSON. Figures only: the test suite runs `--quick` so the script
cannot rot, and asserts nothing about speed.

Also measured: `indicators run` with nothing new (a built home, an empty intake), drop
→ published with `indicators ui` running (benchmarks/drop_to_published.py), with its parts,
and the cost as the archive grows (benchmarks/scale.py): `indicators rebuild` over archives
of 1,000, 3,000 and 10,000 files, one new file on top of each, peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.drop_to_published import drop_to_published  # noqa: E402
from benchmarks.drop_to_published import summary as latency_summary  # noqa: E402
from benchmarks.homes import fresh_home  # noqa: E402
from benchmarks.run_steps import STEPS, step_seconds  # noqa: E402
from benchmarks.scale import scale_figures  # noqa: E402
from orchestration import paths  # noqa: E402
from orchestration.contract.reference import load_reference  # noqa: E402
from orchestration.contract.return_spec import load_contract, load_returns  # noqa: E402
from orchestration.demo.samples import all_sample_files  # noqa: E402
from orchestration.demo.samples import enterprises as enterprise_samples  # noqa: E402
from orchestration.templates.names import template_filename  # noqa: E402
from orchestration.templates.writer import COLUMN_LABEL_ROW, write_all_templates  # noqa: E402

YEAR = 2026
RECEIVED_AT = "2026-11-10T09:30"
AS_OF = "2026-11-10"
INGEST_STEPS = ("intake__archive", "raw_tables")  # archive, read, every check, load


@dataclass(frozen=True)
class Sizes:
    large_rows: int
    small_files: int
    repeat: int
    drops: int  # jobs returns dropped with `indicators ui` running, after a warm-up drop
    archives: tuple[int, ...]  # archive sizes (files) rebuilt


FULL = Sizes(
    large_rows=50_000, small_files=1_000, repeat=3, drops=5, archives=(1_000, 3_000, 10_000)
)
QUICK = Sizes(large_rows=300, small_files=12, repeat=1, drops=1, archives=(25,))


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def median_of(times: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(times))


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# --- files ----------------------------------------------------------------------------


def write_templates(root: Path) -> Path:
    templates = root / "templates"
    write_all_templates(templates, load_returns(), load_contract(), load_reference(), YEAR)
    return templates


def large_directory(root: Path, templates: Path, rows: int) -> Path:
    """One month-end 四上企业名录 of ``rows`` enterprises, filled into tjj's template."""
    reference, returns, contract = load_reference(), load_returns(), load_contract()
    (sample,) = enterprise_samples.sample_files(YEAR, 1, reference, size=rows)
    spec = returns["enterprises"]
    folder = root / "large"
    folder.mkdir(parents=True, exist_ok=True)
    return sample.write(
        templates / template_filename(spec, "tjj", reference), folder, spec, contract
    )


def small_batch(root: Path, templates: Path, count: int) -> list[tuple[str, Path]]:
    """``count`` small returns of all five kinds: a year's sample returns, then the same
    returns again as corrections (a new 联系电话 makes each a new file)."""
    reference, returns, contract = load_reference(), load_returns(), load_contract()
    samples = all_sample_files(YEAR, 10, reference, enterprise_count=40)
    written: list[tuple[str, Path]] = []
    round_no = 0
    while len(written) < count:
        for sample in samples:
            if len(written) == count:
                break
            header = {**sample.header, "phone": f"027-8588{round_no:04d}"}
            name = sample.file_name.replace(".xlsx", f"_{round_no}.xlsx")
            one = replace(sample, header=header, file_name=name)
            spec = returns[one.return_code]
            template = templates / template_filename(spec, one.department_code, reference)
            folder = root / "small" / one.department_code
            folder.mkdir(parents=True, exist_ok=True)
            written.append((one.department_code, one.write(template, folder, spec, contract)))
        round_no += 1
    return written


def jobs_returns(root: Path, templates: Path, count: int) -> list[tuple[str, Path]]:
    """rsj's jobs returns for the first ``count`` months of the year, one file each (the
    sample corrections, which reuse a month's file name, left out)."""
    reference, returns, contract = load_reference(), load_returns(), load_contract()
    spec = returns["jobs"]
    template = templates / template_filename(spec, "rsj", reference)
    folder = root / "drops"
    folder.mkdir(parents=True, exist_ok=True)
    samples = {}
    for s in all_sample_files(YEAR, count, reference, enterprise_count=40):
        if s.return_code == "jobs":
            samples.setdefault(s.file_name, s)
    return [("rsj", s.write(template, folder, spec, contract)) for s in samples.values()]


def cells_of(path: Path) -> int:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    sheet = reader.load_sheet(0, header_row=COLUMN_LABEL_ROW - 1)
    return sheet.height * sheet.width


# --- reference readers ----------------------------------------------------------------


def ceiling_read(path: Path) -> None:
    """fastexcel's bare read of the data sheet into Arrow: what the reader alone costs."""
    import fastexcel

    fastexcel.read_excel(str(path)).load_sheet(0, header_row=COLUMN_LABEL_ROW - 1).to_arrow()


def baseline_load(path: Path) -> None:
    """The common way: pandas with openpyxl, then a DuckDB table."""
    import duckdb
    import pandas as pd

    frame = pd.read_excel(path, sheet_name=0, header=COLUMN_LABEL_ROW - 1, engine="openpyxl")
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("create table t as select * from frame")
    con.close()


# --- the product ----------------------------------------------------------------------


def run_indicators(home: Path, drops: list[tuple[str, Path]]) -> str:
    """Drop the files into their intake folders and run `indicators run`; the run's id."""
    for dept, path in drops:
        folder = home / "intake" / dept
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_bytes(path.read_bytes())
    done = subprocess.run(
        [str(Path(sys.executable).parent / "indicators"), "run"]
        + ["--received-at", RECEIVED_AT, "--as-of", AS_OF],
        env={**os.environ, paths.HOME_ENV_VAR: str(home)},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"indicators run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return re.findall(r"run (\S+) succeeded", done.stdout)[-1]


def ingest_seconds(home: Path, run_id: str) -> float:
    """Seconds the run spent in its ingest steps, from its Dagster event log."""
    steps = step_seconds(home, run_id)
    return sum(steps[STEPS[k]] for k in INGEST_STEPS)


def product_ingest(root: Path, drops: list[tuple[str, Path]]) -> tuple[float, Path]:
    """Ingest seconds of a run taking ``drops``, less those of a run with nothing to take."""
    empty_home = fresh_home(root)
    empty = ingest_seconds(empty_home, run_indicators(empty_home, []))
    home = fresh_home(root)
    return ingest_seconds(home, run_indicators(home, drops)) - empty, home


def nothing_new_seconds(home: Path) -> float:
    """Wall seconds of `indicators run` on a built home with nothing new: no run starts."""
    start = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "indicators"), "run", "--as-of", AS_OF],
        env={**os.environ, paths.HOME_ENV_VAR: str(home)},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0 or "no run started" not in done.stdout:
        raise RuntimeError(f"indicators run with nothing new:\n{done.stdout}\n{done.stderr}")
    return seconds


def children_peak_rss_mb() -> float:
    """The largest resident set any finished child process (and its children) reached."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def target_progress_ms(home: Path, times: int = 5) -> float:
    import duckdb

    con = duckdb.connect(str(home / "indicators.duckdb"), read_only=True)
    try:
        return 1000 * median_of(
            times,
            lambda: timed(lambda: con.execute("select * from marts.target_progress").fetchall()),
        )
    finally:
        con.close()


# --- the benchmark --------------------------------------------------------------------


def run(out: Path, sizes: Sizes) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="indicators-bench-") as tmp:
        root = Path(tmp)
        templates = write_templates(root)

        progress(f"large file: {sizes.large_rows:,} enterprises")
        large = large_directory(root, templates, sizes.large_rows)
        cells = cells_of(large)
        ceiling = median_of(sizes.repeat, lambda: timed(lambda: ceiling_read(large)))
        progress(f"  fastexcel bare read {ceiling:.2f} s")
        baseline = median_of(sizes.repeat, lambda: timed(lambda: baseline_load(large)))
        progress(f"  pandas+openpyxl+DuckDB {baseline:.2f} s")
        product = statistics.median(
            product_ingest(root, [("tjj", large)])[0] for _ in range(sizes.repeat)
        )
        progress(f"  warehouse ingest {product:.2f} s")
        results["ingest.large.cells"] = cells
        results["ingest.large.seconds"] = product
        results["ingest.large.cells_per_s"] = cells / product
        results["ingest.large.baseline_cells_per_s"] = cells / baseline
        results["ingest.large.ceiling_cells_per_s"] = cells / ceiling
        results["ingest.large.ratio_vs_baseline"] = baseline / product
        results["ingest.large.ratio_vs_ceiling"] = ceiling / product

        progress(f"small batch: {sizes.small_files} returns of all five kinds")
        batch = small_batch(root, templates, sizes.small_files)
        batch_ceiling = sum(timed(lambda p=p: ceiling_read(p)) for _, p in batch)
        batch_product, home = product_ingest(root, batch)
        progress(
            f"  fastexcel bare reads {batch_ceiling:.2f} s, warehouse ingest {batch_product:.2f} s"
        )
        results["ingest.small_batch.files"] = len(batch)
        results["ingest.small_batch.seconds"] = batch_product
        results["ingest.small_batch.ceiling_seconds"] = batch_ceiling
        results["ingest.small_batch.ratio_vs_ceiling"] = batch_ceiling / batch_product
        results["query.target_progress_ms"] = target_progress_ms(home)
        results["run.nothing_new.seconds"] = median_of(
            sizes.repeat, lambda: nothing_new_seconds(home)
        )
        progress(f"  `indicators run` with nothing new {results['run.nothing_new.seconds']:.2f} s")
        results["memory.peak_rss_mb"] = children_peak_rss_mb()

        progress(f"drop → published: {sizes.drops} jobs returns, `indicators ui` running")
        drops = drop_to_published(fresh_home(root), jobs_returns(root, templates, sizes.drops + 1))
        results |= latency_summary(drops)
        progress(
            f"  median {results['latency.drop_to_published.median_s']:.1f} s, "
            + ", ".join(f"{part} {s:.1f} s" for part, s in drops[len(drops) // 2].parts.items())
        )

        progress(f"archive scale: {', '.join(f'{n:,}' for n in sizes.archives)} files")
        results |= scale_figures(root, sizes.archives, progress)

    print_table(results)
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    progress(f"medians written to {out}")
    return results


def print_table(results: dict[str, float]) -> None:
    width = max(map(len, results))
    print()
    for name, value in results.items():
        shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
        print(f"  {name:<{width}}  {shown:>14}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="JSON file for the medians")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repetition")
    args = parser.parse_args(argv)
    run(Path(args.out), QUICK if args.quick else FULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
