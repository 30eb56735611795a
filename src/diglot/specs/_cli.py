"""``diglot spec``: print or export the bundled OpenAPI document or XML Schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diglot.errors import UsageError

_FILES = {"openapi": "openapi.json", "xsd": "restapi.xsd"}


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``spec`` command's arguments."""
    parser.add_argument(
        "--format",
        choices=sorted(_FILES),
        default="openapi",
        help="openapi: the OpenAPI 3.1 document (JSON); xsd: the XML Schema (default: openapi)",
    )
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        type=Path,
        help="write to FILE instead of printing to standard output",
    )


def execute(args: argparse.Namespace) -> int:
    """Print the chosen file, or write it to ``--output``; exit 0."""
    from diglot.specs._loader import bundled_file

    data = bundled_file(_FILES[args.format])
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return 0
    output: Path = args.output
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise UsageError(
            f"cannot write {str(output)!r}: {exc.strerror or exc}. Choose a writable path "
            "in an existing folder."
        ) from None
    print(f"wrote {output} ({_FILES[args.format]}, {len(data)} bytes)", file=sys.stderr)
    return 0
