"""Named points where the fault tests make a run fail, to prove a failure there loses nothing.

Off unless ``INDICATORS_FAILPOINT`` names the point: ``name`` or ``name:N`` (the N-th time
it is reached) sends the process SIGKILL, exactly as the kernel's OOM killer or a service
manager would, with no clean-up of any kind; ``name:N:raise`` raises ``FailpointError``
there instead, as a bug in one file's reading, checking or loading would. Several points
may be named, separated by commas. Nothing sets the variable outside tests. The idea is the
failpoints of databases (FoundationDB, TiKV's fail-rs).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV_VAR = "INDICATORS_FAILPOINT"
_reached: Counter[str] = Counter()


class FailpointError(RuntimeError):
    """Raised at a failpoint set to ``raise``: stands for any unforeseen exception."""


def failpoint(name: str) -> None:
    wanted = os.environ.get(ENV_VAR)
    if not wanted:
        return
    specs = [spec.strip().split(":") for spec in wanted.split(",")]
    specs = [spec for spec in specs if spec[0] == name]
    if not specs:
        return
    _reached[name] += 1
    for _, *rest in specs:
        nth = int(rest[0]) if rest and rest[0] else 1
        if rest[1:] == ["raise"]:
            if _reached[name] == nth:  # one file fails; the ones after it must not
                raise FailpointError(f"failpoint {name} reached ({nth})")
        elif _reached[name] >= nth:
            os.kill(os.getpid(), signal.SIGKILL)
