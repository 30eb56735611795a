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
