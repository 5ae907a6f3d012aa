"""`indicators sql`: the analysts' read-only SQL shell on the published snapshot.

It opens the snapshot read-only, so it never blocks or sees a half-built warehouse; one
query as an argument prints its result, without one it reads statements (ending in ";")
from the terminal until an empty line at the prompt, Ctrl-D or `.quit`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

PROMPT, MORE = "indicators> ", "      ...> "


def run_sql(db: Path, query: str | None, out=None, lines=None) -> int:
    out = out or sys.stdout  # looked up now: a caller may have redirected it
    if not db.exists():
        print(f"no snapshot at {db}: run `indicators run` first", file=sys.stderr)
        return 1
    con = duckdb.connect(str(db), read_only=True)
    try:
        if query is not None:
            return _show(con, query, out)
        return _loop(con, out, lines)
    finally:
        con.close()


def _show(con: duckdb.DuckDBPyConnection, query: str, out) -> int:
    try:
        relation = con.sql(query)
    except duckdb.Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if relation is not None:  # a statement with a result; DuckDB renders it as a table
        print(str(relation), file=out)
    return 0


def _loop(con, out, lines) -> int:
    interactive = lines is None and sys.stdin.isatty()
    source = lines if lines is not None else sys.stdin
    status, buffer = 0, []
    if interactive:
        print(PROMPT, end="", flush=True, file=out)
    for line in source:
        text = line.strip()
        if text in (".quit", ".exit") or (interactive and not text and not buffer):
            break
        buffer.append(line)
        if text.endswith(";"):
            status = _show(con, "".join(buffer), out) or status
            buffer = []
        if interactive:
            print(MORE if buffer else PROMPT, end="", flush=True, file=out)
    if buffer and "".join(buffer).strip():
        status = _show(con, "".join(buffer), out) or status
    return status
