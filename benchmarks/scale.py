"""Cost as the archive grows: `indicators rebuild` over archives of N files, one new file on
top of that history against the same file on an empty warehouse, and peak memory.

Each archive spans five years (2022-2026), all five returns and fifteen departments, with
their streets, and corrections: a year's sample returns, then the same returns refiled (a new
联系电话 makes each a new file, received later, so each is a new version of its month),
until the year holds N/5 files. The files are put straight into the archive with the time
they were received, as if they had come in over those years; the rebuild then replays them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import psutil

from benchmarks.homes import fresh_home
from benchmarks.run_steps import step_seconds
from orchestration import paths
from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.demo.samples import FILER, all_sample_files
from orchestration.intake.archive import Archive
from orchestration.templates.names import template_filename
from orchestration.templates.writer import write_all_templates

YEARS = (2022, 2023, 2024, 2025, 2026)
LAST_MONTH = {2026: 10}  # the as-of date is in November 2026
AS_OF = "2026-11-10"
ENTERPRISES = 40  # rows of each 四上企业名录: the archive's weight is in its files
FILER_PHONE = FILER["phone"]


def archive_files(root: Path, count: int) -> list[tuple[str, dt.datetime, Path]]:
    """``count`` return files over five years: (department, received at, file)."""
    reference, returns, contract = load_reference(), load_returns(), load_contract()
    per_year = [count // len(YEARS) + (i < count % len(YEARS)) for i in range(len(YEARS))]
    made: list[tuple[str, dt.datetime, Path]] = []
    for year, wanted in zip(YEARS, per_year, strict=True):
        templates = root / "templates" / str(year)
        if not templates.exists():
            write_all_templates(templates, returns, contract, reference, year)
        samples = all_sample_files(year, LAST_MONTH.get(year, 12), reference, ENTERPRISES)
        originals: list[Path] = []
        for n, sample in enumerate(samples[:wanted]):
            spec = returns[sample.return_code]
            # A folder per sample: a month's correction keeps its month's file name.
            folder = root / "files" / str(year) / sample.department_code / str(n)
            folder.mkdir(parents=True, exist_ok=True)
            template = templates / template_filename(spec, sample.department_code, reference)
            written = folder / sample.file_name  # the sizes share their files
            if not written.exists():
                written = sample.write(template, folder, spec, contract)
            originals.append(written)
            made.append((sample.department_code, sample.received_at, originals[-1]))
        for n in range(len(originals), wanted):
            round_no, i = divmod(n, len(originals))
            sample, original = samples[i], originals[i]
            refiled = original.with_name(f"{original.stem}_更正{round_no}.xlsx")
            if not refiled.exists():
                refile(original, refiled, FILER_PHONE, f"027-8{round_no:03d}1234")
            made.append(
                (sample.department_code, sample.received_at + dt.timedelta(days=round_no), refiled)
            )
    return sorted(made, key=lambda m: m[1])


def refile(original: Path, copy: Path, old: str, new: str) -> None:
    """A correction of ``original`` whose only change is one text value (the phone number):
    the workbook's XML edited in place, as filling a template again takes 50 times longer."""
    assert len(old) == len(new)
    replaced = 0
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(copy, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                replaced += data.count(old.encode())
                data = data.replace(old.encode(), new.encode())
            dst.writestr(info, data)
    if not replaced:
        raise ValueError(f"{original.name} holds no {old!r} to change")


def fill_archive(home: Path, files: list[tuple[str, dt.datetime, Path]]) -> None:
    archive = Archive(home / "archive")
    for dept, received, path in files:
        archive.receive(path, dept, received)


class PeakRss:
    """The largest resident set any one process of a command's tree reached, sampled."""

    def __init__(self, pid: int, every: float = 0.2):
        self.peak_bytes = 0
        self._root = psutil.Process(pid)
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                return
            for process in tree:
                try:
                    self.peak_bytes = max(self.peak_bytes, process.memory_info().rss)
                except psutil.Error:
                    continue
            self._stop.wait(self._every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_bytes / (1 << 20)


def indicators(home: Path, *args: str) -> tuple[float, float, str]:
    """Run an `indicators` command on ``home``: wall seconds, peak RSS (MB), its output."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "indicators"), *args],
        env={**os.environ, paths.HOME_ENV_VAR: str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = PeakRss(process.pid)
    output, _ = process.communicate()
    seconds, peak_mb = time.perf_counter() - start, peak.stop()
    if process.returncode != 0:
        raise RuntimeError(f"indicators {' '.join(args)} failed:\n{output[-3000:]}")
    return seconds, peak_mb, output


def recorded_deliveries(home: Path) -> int:
    """Deliveries the published snapshot records: the archive's and the new file."""
    import duckdb

    con = duckdb.connect(str(home / "indicators.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from raw.deliveries").fetchone()[0]
    finally:
        con.close()


def query_ms(home: Path, times: int = 5) -> tuple[float, float]:
    """Analysts' queries on the snapshot, median milliseconds: `marts.target_progress` whole,
    and the slowest of the monthly marts filtered by one department and one month."""
    import statistics

    import duckdb

    con = duckdb.connect(str(home / "indicators.duckdb"), read_only=True)

    def median_ms(sql: str, params: list | None = None) -> float:
        runs = []
        for _ in range(times):
            start = time.perf_counter()
            con.execute(sql, params or []).fetchall()
            runs.append(1000 * (time.perf_counter() - start))
        return statistics.median(runs)

    try:
        progress_ms = median_ms("select * from marts.target_progress")
        monthly = con.execute(
            """
            select table_name from information_schema.columns
            where table_schema = 'marts' and table_name like 'fct_%monthly'
              and column_name in ('department_code', 'period')
            group by table_name having count(*) = 2
            """
        ).fetchall()
        filtered_ms = max(
            median_ms(
                f"select * from marts.{table} where department_code = ? and period = ?",
                ["rsj", "2026-09"],
            )
            for (table,) in monthly
        )
    finally:
        con.close()
    return progress_ms, filtered_ms


def one_new_file(home: Path, new_file: tuple[str, Path]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `indicators run` taking one new file, from its
    intake folder to the published snapshot."""
    dept, path = new_file
    folder = home / "intake" / dept
    folder.mkdir(parents=True, exist_ok=True)
    (folder / path.name).write_bytes(path.read_bytes())
    seconds, peak_mb, output = indicators(
        home, "run", "--received-at", "2026-11-10T09:30", "--as-of", AS_OF
    )
    if "succeeded" not in output:
        raise RuntimeError(f"the run taking {path.name} did not succeed:\n{output[-3000:]}")
    return seconds, peak_mb


def new_jobs_file(root: Path) -> tuple[str, Path]:
    """rsj's jobs return for October 2026, refiled with a number no archive holds."""
    reference, returns, contract = load_reference(), load_returns(), load_contract()
    spec = returns["jobs"]
    (sample,) = [
        s
        for s in all_sample_files(2026, 10, reference, ENTERPRISES)
        if s.return_code == "jobs" and s.period == "2026-10"
    ][:1]
    sample = replace(sample, header={**sample.header, "phone": "027-89999999"})
    folder = root / "new"
    folder.mkdir(parents=True, exist_ok=True)
    template = root / "templates" / "2026" / template_filename(spec, "rsj", reference)
    if not template.exists():
        write_all_templates(template.parent, returns, contract, reference, 2026)
    return "rsj", sample.write(template, folder, spec, contract)


def scale_figures(root: Path, counts: tuple[int, ...], progress) -> dict[str, float]:
    """``scale.<N>.*`` figures for each archive size, and the ratios at the largest."""
    results: dict[str, float] = {}
    new_file = new_jobs_file(root)
    empty_home = fresh_home(root, prefix="scale-home-")
    indicators(empty_home, "run", "--as-of", AS_OF)  # built once, as every home is
    empty, _ = one_new_file(empty_home, new_file)
    results["scale.one_file_on_empty.seconds"] = empty
    progress(f"  one new file on an empty warehouse {empty:.1f} s")
    for count in counts:
        start = time.perf_counter()
        files = archive_files(root / "scale-files", count)
        home = fresh_home(root, prefix="scale-home-")
        fill_archive(home, files)
        progress(f"  {len(files):,} archived files made in {time.perf_counter() - start:.0f} s")
        # The first replay answers every file, as their runs did over the years; the one
        # measured finds the receipts sent, as a rebuild of a real home does.
        indicators(home, "rebuild", "--as-of", AS_OF)
        rebuild_s, rebuild_mb, output = indicators(home, "rebuild", "--as-of", AS_OF)
        (run_id,) = re.findall(r"in run (\S+);", output)
        parts = step_seconds(home, run_id)
        results |= {f"scale.{count}.rebuild.{k}_s": parts[k] for k in ("ingest", "build")}
        incremental, incremental_mb = one_new_file(home, new_file)
        results[f"scale.{count}.rebuild_s"] = rebuild_s
        results[f"scale.{count}.peak_rss_mb"] = max(rebuild_mb, incremental_mb)
        results[f"scale.{count}.one_new_file_s"] = incremental
        results[f"scale.{count}.incremental_ratio"] = incremental / empty
        results[f"scale.{count}.files_recorded"] = recorded_deliveries(home)
        progress_ms, filtered_ms = query_ms(home)
        results[f"scale.{count}.target_progress_ms"] = progress_ms
        results[f"scale.{count}.monthly_mart_filtered_ms"] = filtered_ms
        results[f"scale.{count}.snapshot_mb"] = (home / "indicators.duckdb").stat().st_size / (
            1 << 20
        )
        progress(
            f"  {count:,} files: rebuild {rebuild_s:.0f} s (ingest {parts['ingest']:.0f} s, "
            f"build {parts['build']:.0f} s, peak {rebuild_mb:.0f} MB), "
            f"one new file {incremental:.1f} s ({incremental / empty:.2f}× empty)"
        )
    largest = max(counts)
    results["scale.rebuild_s"] = results[f"scale.{largest}.rebuild_s"]
    results["scale.incremental_ratio"] = results[f"scale.{largest}.incremental_ratio"]
    results["scale.peak_rss_mb"] = max(results[f"scale.{c}.peak_rss_mb"] for c in counts)
    return results
