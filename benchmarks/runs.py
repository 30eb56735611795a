"""Whole runs in subprocesses: end to end vs schemathesis, memory, scaling, shards.

diglot runs from its source tree (an editable install), where nothing compiles its modules
ahead: with ``PYTHONDONTWRITEBYTECODE`` set, every run would compile them afresh (about
0.2 s), a cost an installed package (and schemathesis, in site-packages) does not pay. Its
runs here keep their bytecode in a cache of their own (``PYTHONPYCACHEPREFIX``), filled by
one run before any is measured; the source tree is left as it is.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from benchmarks._harness import Row, at_least, at_most, median
from benchmarks._server import served, server_cpu, server_process
from diglot.server import DEFAULT_ACCOUNT_ID
from diglot.specs import exported_openapi

BIN = Path(sys.executable).parent
SEED = 20240611


@dataclass(frozen=True, slots=True)
class Outcome:
    """One tool run: wall seconds, requests the server answered, the tool's own figures.

    ``cpu`` is the tool's CPU seconds (its process), ``server_cpu`` the server's during the
    run: together what one request costs on the machine.
    """

    wall: float
    requests: int
    reported: int
    duration: float
    peak_rss_mb: float
    returncode: int
    cpu: float = 0.0
    server_cpu: float = 0.0


@cache
def diglot_env() -> dict[str, str]:
    """The environment of measured diglot runs: its bytecode cached, as an install has it.

    The first call fills the cache with one short run of the embedded server (every module a
    measured run imports, reports included).
    """
    cache_dir = tempfile.mkdtemp(prefix="diglot-bench-pycache-")
    atexit.register(shutil.rmtree, cache_dir, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache_dir
    with tempfile.TemporaryDirectory() as reports:
        subprocess.run(
            [str(BIN / "diglot"), "run", "--max-examples", "1", "--report-dir", reports],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**env, "CI": "1"},
            check=False,
        )
    return env


# The tool's own peak: VmHWM is per address space and starts afresh at exec, whereas
# ru_maxrss (wait4) carries over the high-water mark of the process that forked it, which
# would report this harness's memory instead of the tool's.
_PEAK = """
import atexit, os, runpy, sys

def _record_peak():
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

atexit.register(_record_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _timed(
    command: list[str], *, env: dict[str, str] | None = None
) -> tuple[float, float, int, float]:
    """Run a console script; (wall seconds, its own peak RSS in MB, exit code, its CPU
    seconds). Output dropped."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        environment = {**(env or os.environ), "BENCH_PEAK_FILE": str(peak_file)}
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", _PEAK, *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment,
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        peak_kib = int(peak_file.read_text()) if peak_file.exists() else 0
    return wall, peak_kib / 1024, process.returncode, usage.ru_utime + usage.ru_stime


def diglot_run(base_url: str, *extra: str) -> Outcome:
    """``diglot run`` against ``base_url`` in a subprocess, reports written to a temp dir."""
    with tempfile.TemporaryDirectory() as tmp:
        before, cpu_before = served(base_url), server_cpu(base_url)
        command = [
            str(BIN / "diglot"), "run", "--base-url", base_url, "--account-id",
            DEFAULT_ACCOUNT_ID, "--seed", str(SEED), "--report-dir", tmp, *extra,
        ]  # fmt: skip
        wall, rss, code, cpu = _timed(command, env={**diglot_env(), "CI": "1"})
        requests = served(base_url) - before
        spent = server_cpu(base_url) - cpu_before
        report_file = Path(tmp) / "report.json"
        if not report_file.exists():
            raise RuntimeError(f"diglot run wrote no report (exit {code}): {' '.join(command)}")
        report = json.loads(report_file.read_text())
    return Outcome(wall, requests, report["requests"], report["duration"], rss, code, cpu, spent)


def schemathesis_run(base_url: str, max_examples: int) -> Outcome:
    """``schemathesis run --checks all`` on diglot's OpenAPI document against ``base_url``."""
    with tempfile.TemporaryDirectory() as tmp:
        openapi = Path(tmp) / "openapi.json"
        openapi.write_bytes(exported_openapi())
        config = Path(tmp) / "schemathesis.toml"
        config.write_text(f'[parameters]\n"path.accountId" = "{DEFAULT_ACCOUNT_ID}"\n')
        before, cpu_before = served(base_url), server_cpu(base_url)
        command = [
            str(BIN / "schemathesis"), "--config-file", str(config), "--no-color", "run",
            str(openapi), "--url", base_url, "--checks", "all", "--max-examples",
            str(max_examples), "--generation-database", "none", "--seed", str(SEED),
            "--workers", "1", "--continue-on-failure",
        ]  # fmt: skip
        wall, rss, code, cpu = _timed(command)
        requests = served(base_url) - before
        spent = server_cpu(base_url) - cpu_before
    return Outcome(wall, requests, requests, wall, rss, code, cpu, spent)


def end_to_end(*, quick: bool) -> list[Row]:
    """Requests per second of both tools, each against its own fresh server process."""
    examples, repeats = (5, 1) if quick else (25, 3)
    ours: list[Outcome] = []
    theirs: list[Outcome] = []
    for _ in range(repeats):
        with server_process() as base_url:
            ours.append(diglot_run(base_url, "--max-examples", str(examples)))
        with server_process() as base_url:
            theirs.append(schemathesis_run(base_url, examples))
    for outcome in ours:
        if outcome.returncode != 0 or outcome.requests != outcome.reported:
            raise RuntimeError(f"diglot run against the clean server went wrong: {outcome}")
    diglot_rps = median([o.requests / o.wall for o in ours])
    st_rps = median([o.requests / o.wall for o in theirs])
    ratio = diglot_rps / st_rps
    target, passed = at_least(ratio, 10)
    requests = median([o.requests for o in ours])
    wall = median([o.wall for o in ours])
    outside = median([o.wall - o.duration for o in ours])
    ceiling = median([o.requests / o.server_cpu for o in ours])
    return [
        Row(
            "end to end",
            "diglot run, requests/s (wall, whole process)",
            diglot_rps,
            "req/s",
            counterpart=f"schemathesis run --checks all {st_rps:.1f} req/s",
            note=f"--max-examples {examples}: diglot {requests:.0f} requests in {wall:.2f} s, "
            f"of which {outside:.2f} s before the first request and after the last (start, "
            f"reports); engine alone {median([o.reported / o.duration for o in ours]):.0f} "
            f"req/s; per request {_per_request(ours)}. schemathesis "
            f"{median([o.requests for o in theirs]):.0f} requests in "
            f"{median([o.wall for o in theirs]):.1f} s; per request {_per_request(theirs)}",
        ),
        Row(
            "end to end",
            "ratio diglot / schemathesis, requests/s",
            ratio,
            "x",
            target,
            passed,
            f"{st_rps:.1f} req/s",
        ),
        Row(
            "end to end",
            "ceiling: the server's own rate on diglot's requests (its CPU alone)",
            ceiling,
            "req/s",
            counterpart=f"10x schemathesis: {10 * st_rps:.0f} req/s",
            note="requests / CPU seconds of the server process during the diglot run: what the "
            "server answers per second with a client that costs nothing, sends at once and "
            f"starts in no time; a whole diglot run is at most {requests:.0f} / "
            f"({outside:.2f} s + {requests:.0f} / {ceiling:.0f} req/s) = "
            f"{requests / (outside + requests / ceiling):.0f} req/s with its start as it is",
        ),
    ]


def _per_request(outcomes: list[Outcome]) -> str:
    """CPU per request, of the tool and of the server, in milliseconds (medians)."""
    tool = median([o.cpu / o.requests * 1000 for o in outcomes])
    server = median([o.server_cpu / o.requests * 1000 for o in outcomes])
    return f"{tool:.2f} ms CPU in the tool, {server:.2f} ms in the server"


def memory(*, quick: bool) -> list[Row]:
    """Peak RSS of the diglot process (server in its own process) at two request counts."""
    small, large = (250, 1000) if quick else (2500, 10000)
    peaks: dict[int, float] = {}
    for requests in (small, large):
        with server_process() as base_url:
            outcome = diglot_run(
                base_url, "--max-examples", "100000", "--max-requests", str(requests),
                "--no-shrink",
            )  # fmt: skip
        if outcome.reported != requests:
            raise RuntimeError(f"the run sent {outcome.reported} requests, not {requests}")
        peaks[requests] = outcome.peak_rss_mb
    growth = peaks[large] / peaks[small]
    target, passed = at_most(peaks[large], 300)
    growth_target, growth_ok = at_most(growth, 1.25)
    return [
        Row("memory", f"peak RSS, {large:,} requests", peaks[large], "MB", target, passed,
            note="the diglot process alone; the server runs in its own process"),
        Row("memory", f"peak RSS growth, {small:,} -> {large:,} requests", growth, "x",
            growth_target, growth_ok, note=f"{peaks[small]:.0f} MB -> {peaks[large]:.0f} MB"),
    ]  # fmt: skip


def scaling(*, quick: bool) -> list[Row]:
    """Engine time vs --max-examples (a straight line?), and two shards in parallel vs one run."""
    sizes, repeats = ((5, 10, 20), 1) if quick else ((10, 20, 40), 3)
    points: list[tuple[float, float]] = []
    for size in sizes:
        times = []
        for _ in range(repeats):
            with server_process() as base_url:
                times.append(diglot_run(base_url, "--max-examples", str(size)).duration)
        points.append((float(size), median(times)))
    r2 = _r_squared(points)
    target, passed = at_least(r2, 0.95)
    (x0, y0), (x1, y1) = points[0], points[-1]
    rows = [
        Row("scaling", f"linearity of time vs --max-examples {sizes}", r2, "R^2", target, passed,
            note="engine time per size: " + ", ".join(f"{x:.0f}: {y:.2f} s" for x, y in points)
            + f"; {(y1 - y0) / (x1 - x0) * 1000:.0f} ms per extra example"),
    ]  # fmt: skip
    examples = sizes[-1]
    whole = median([_whole(examples) for _ in range(repeats)])
    sharded = median([_sharded(examples) for _ in range(repeats)])
    speedup = whole / sharded
    target, passed = at_least(speedup, 1.4)
    rows.append(
        Row("scaling", "speed-up of 2 shards in parallel over 1 run", speedup, "x", target, passed,
            note=f"--max-examples {examples}, embedded server each: whole {whole:.1f} s, "
            f"shards 0/2 + 1/2 in parallel {sharded:.1f} s (wall, 2 cores)")
    )  # fmt: skip
    return rows


def _command(examples: int, *extra: str) -> list[str]:
    return [
        str(BIN / "diglot"), "run", "--seed", str(SEED), "--no-reports",
        "--max-examples", str(examples), *extra,
    ]  # fmt: skip


def _whole(examples: int) -> float:
    return _timed(_command(examples), env=diglot_env())[0]


def _sharded(examples: int) -> float:
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            _command(examples, "--shard", f"{i}/2"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=diglot_env(),
        )
        for i in range(2)
    ]
    for process in processes:
        process.wait()
    return time.perf_counter() - started


def _r_squared(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    syy = sum((y - mean_y) ** 2 for _, y in points)
    if sxx == 0 or syy == 0:
        return 1.0
    return sxy * sxy / (sxx * syy)
