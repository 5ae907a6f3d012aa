"""Named points where the crash tests kill the process, to prove a crash there loses nothing.

Off unless ``INDICATORS_FAILPOINT`` names the point (``name`` or ``name:N`` for the N-th
time it is reached); the process then sends itself SIGKILL, exactly as the kernel's OOM
killer or a service manager would, with no clean-up of any kind. Nothing sets the variable
outside tests. The idea is the failpoints of databases (FoundationDB, TiKV's fail-rs).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV_VAR = "INDICATORS_FAILPOINT"
_reached: Counter[str] = Counter()


def failpoint(name: str) -> None:
    wanted = os.environ.get(ENV_VAR)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
