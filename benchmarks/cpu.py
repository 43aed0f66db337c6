"""Where the machine's CPU goes during a load run, per request: the web workers (gunicorn),
PostgreSQL, the Celery worker, Redis, and the rest (wrk, the benchmark's own writers, the
kernel), read from Linux's /proc before and after.

The mix's throughput is the machine's cores divided by the CPU one request costs all these
processes together; this says which of them it is spent in. Elsewhere than Linux there is no
/proc and nothing is reported.
"""

import os
from pathlib import Path

PROC = Path("/proc")
GROUPS = ("web", "postgresql", "worker", "redis", "rest")


def available() -> bool:
    return (PROC / "stat").exists()


def _processes() -> dict[int, tuple[int, str, float]]:
    """{pid: (parent pid, command name, CPU seconds)} of every process now."""
    found = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it has gone
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # Its own CPU and its ended children's (added when it reaps them): a PostgreSQL
        # backend whose connection closes mid-run moves into the postmaster's share.
        used = sum(int(v) for v in fields[11:15])
        found[int(entry.name)] = (int(fields[1]), name, used / ticks)
    return found


def _tree(pid: int | None, processes: dict) -> set[int]:
    """`pid` and its descendants among `processes`."""
    if pid is None:
        return set()
    found, added = {pid}, True
    while added:
        children = {p for p, (parent, _n, _s) in processes.items() if parent in found}
        added = bool(children - found)
        found |= children
    return found


def _machine() -> float:
    """CPU seconds the whole machine has been busy (every core, not idle, not waiting)."""
    values = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def snapshot(web_pid: int, worker_pid: int | None) -> dict[str, float]:
    """CPU seconds used so far by each group, and by the whole machine (`machine`)."""
    processes = _processes()
    web, worker = _tree(web_pid, processes), _tree(worker_pid, processes)
    used = dict.fromkeys(GROUPS, 0.0)
    for pid, (_parent, name, seconds) in processes.items():
        if pid in web:
            used["web"] += seconds
        elif pid in worker:
            used["worker"] += seconds
        elif name.startswith("postgres"):
            used["postgresql"] += seconds
        elif name.startswith("redis"):
            used["redis"] += seconds
    used["machine"] = _machine()
    return used


def per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request in each group between two snapshots; `rest` is the
    machine's busy time that no named group accounts for (wrk, writers, the kernel)."""
    spent = {group: after[group] - before[group] for group in GROUPS if group != "rest"}
    spent["rest"] = max(after["machine"] - before["machine"] - sum(spent.values()), 0.0)
    spent["total"] = after["machine"] - before["machine"]
    return {group: round(seconds * 1000 / max(requests, 1), 2) for group, seconds in spent.items()}


def reference_ms(rounds: int = 5) -> float:
    """This machine's speed at plain Python: the CPU milliseconds (best of `rounds`) of a fixed
    piece of interpreter work (string building, dict and list work, 200,000 steps). Every
    figure in milliseconds depends on it; the ratios to /ping in the same run much less. It
    lets runs on different machines be compared: divide a page's CPU by it."""
    import time

    best = float("inf")
    for _round in range(rounds):
        started = time.process_time()
        seen: dict[str, int] = {}
        rows = []
        for i in range(200_000):
            key = f"row-{i % 997}"
            seen[key] = seen.get(key, 0) + i
            if i % 7 == 0:
                rows.append((key, i))
        rows.sort()
        best = min(best, time.process_time() - started)
    return round(best * 1000, 2)
