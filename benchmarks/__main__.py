"""``python -m benchmarks [--quick] [--only SECTION,...] [--json FILE]``: print the table."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from benchmarks import budget, generation, per_response, runs
from benchmarks._harness import Row, render

SECTIONS: dict[str, Callable[..., list[Row]]] = {
    "per-response": per_response.measure,
    "generation": generation.measure,
    "end-to-end": runs.end_to_end,
    "memory": runs.memory,
    "scaling": runs.scaling,
    "budget": budget.measure,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repetitions, small sizes")
    parser.add_argument(
        "--only", default="", help=f"comma-separated sections ({', '.join(SECTIONS)}); default all"
    )
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    wanted = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    print(
        f"diglot benchmarks{' (quick)' if args.quick else ''}: Python {platform.python_version()}"
        f" on {platform.machine()}, medians of repeated measurements",
        flush=True,
    )
    rows: list[Row] = []
    started = time.perf_counter()
    for name in wanted:
        print(f"== {name}", file=sys.stderr, flush=True)
        rows += SECTIONS[name](quick=args.quick)
    print(render(rows))
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
