"""``diglot report``: re-render a report.json, or merge the reports of sharded runs.

::

    diglot report reports/report.json --format html --output report.html
    diglot report merge shard-1/report.json shard-2/report.json --output-dir reports
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from diglot.errors import UsageError

_SUFFIXES = {".html": "html", ".htm": "html", ".xml": "junit", ".md": "md", ".json": "json"}
TOKEN_ENV = "DIGLOT_TOKEN"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.usage = (
        "diglot report REPORT.json [--format html|junit|md|json] [--output PATH]\n"
        "       diglot report merge A.json B.json ... [--output-dir DIR]"
    )
    parser.epilog = (
        "The first form re-renders one report.json (to stdout, or to --output; the format "
        "defaults to the output's suffix, else md). The second merges the report.json files "
        "of sharded runs (CI matrix jobs, pytest-xdist workers) into one run and writes "
        "report.json, junit.xml, index.html and summary.md."
    )
    parser.add_argument("paths", nargs="+", metavar="REPORT.json", help=argparse.SUPPRESS)
    parser.add_argument(
        "--format",
        choices=["html", "junit", "md", "json"],
        help="what to render (default: from --output's suffix, else md)",
    )
    parser.add_argument("--output", "-o", type=Path, help="write here instead of stdout")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("reports"),
        help="merge: the folder for the merged reports (default: reports)",
    )


def execute(args: argparse.Namespace) -> int:
    from diglot.reports._document import from_json
    from diglot.reports._merge import merge
    from diglot.reports._writer import FILES, render_all, write_reports, write_text
    from diglot.transport._redact import Redactor

    # Reports are redacted when written; the token, when at hand, is scrubbed once more.
    redactor = Redactor([os.environ.get(TOKEN_ENV)])
    paths: list[str] = args.paths
    if paths[0] == "merge":
        if len(paths) < 2:
            raise UsageError(
                "diglot report merge needs the report.json files to merge, e.g. "
                "`diglot report merge shard-1/report.json shard-2/report.json`"
            )
        if args.format or args.output:
            raise UsageError(
                "--format and --output re-render one report; merge writes every format into "
                "--output-dir"
            )
        runs = [from_json(Path(path)) for path in paths[1:]]
        check_shards(
            [(p, run.options.get("shard")) for p, run in zip(paths[1:], runs, strict=True)]
        )
        written = write_reports(merge(runs), args.output_dir, redactor=redactor)
        print(f"merged {len(runs)} reports into {args.output_dir}:", file=sys.stderr)
        for name in FILES:
            print(f"  {written[name]}", file=sys.stderr)
        return 0
    if len(paths) > 1:
        raise UsageError(
            f"diglot report re-renders one report.json, got {len(paths)} files; to combine "
            "several, use `diglot report merge " + " ".join(paths) + "`"
        )
    fmt = args.format
    if fmt is None:
        fmt = _SUFFIXES.get(args.output.suffix.lower(), "md") if args.output else "md"
    run = from_json(Path(paths[0]))
    text = render_all(run, redactor=redactor, formats=[fmt])[fmt]
    if args.output is None:
        sys.stdout.write(text)
        return 0
    if args.output.parent and not args.output.parent.is_dir():
        raise UsageError(f"--output {args.output}: the folder {args.output.parent} does not exist")
    write_text(args.output, text)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def check_shards(shards: list[tuple[str, object]]) -> None:
    """Refuse a set of sharded reports with a shard missing, repeated or from another split.

    Reports of unsharded runs (no ``shard`` option) merge as they are.

    Raises:
        ReportError: naming the shard that is missing or repeated, or the mixed split.
    """
    from diglot.errors import ReportError

    given = [(path, shard) for path, shard in shards if shard]
    if not given:
        return
    if len(given) != len(shards):
        plain = [path for path, shard in shards if not shard]
        raise ReportError(
            f"{', '.join(plain)} {'is' if len(plain) == 1 else 'are'} not the report of a shard, "
            "the others are: merge the shards of one run only"
        )
    counts: dict[int, list[str]] = {}
    seen: dict[int, list[str]] = {}
    for path, shard in given:
        index_text, _, count_text = str(shard).partition("/")
        if not (index_text.isdigit() and count_text.isdigit()):
            raise ReportError(f"{path}: its shard {shard!r} is not i/n")
        counts.setdefault(int(count_text), []).append(path)
        seen.setdefault(int(index_text), []).append(path)
    if len(counts) > 1:
        split = ", ".join(f"{n} shards ({', '.join(p)})" for n, p in sorted(counts.items()))
        raise ReportError(f"these reports come from different splits: {split}")
    count = next(iter(counts))
    repeated = {i: p for i, p in seen.items() if len(p) > 1}
    if repeated:
        index, where = next(iter(sorted(repeated.items())))
        raise ReportError(
            f"shard {index}/{count} is there {len(where)} times ({', '.join(where)}): "
            "pass each shard's report once"
        )
    missing = [f"{i}/{count}" for i in range(count) if i not in seen]
    if missing:
        raise ReportError(
            f"shard {', '.join(missing)} of {count} is missing: the merged report would "
            "claim checks nobody ran; pass every shard's report.json"
        )
