"""``diglot spec``: print or export the OpenAPI document (as exported for other tools) or the XSD."""

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
        help="openapi: the OpenAPI 3.1 document (JSON), as exported for other tools: request "
        "entries are loosened to what a faithful server answers with 201; xsd: the XML Schema "
        "(default: openapi)",
    )
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        type=Path,
        help="write to FILE instead of printing to standard output",
    )


def execute(args: argparse.Namespace) -> int:
    """Print the chosen document, or write it to ``--output``; exit 0.

    The OpenAPI document is ``diglot.specs.exported_openapi()``: the bundled one with its
    request entries loosened for tools that expect a 4xx for every schema-violating request
    (see ``diglot.specs._export``). The XML Schema is the bundled file.
    """
    from diglot.specs._export import exported_openapi
    from diglot.specs._loader import bundled_file

    data = exported_openapi() if args.format == "openapi" else bundled_file(_FILES[args.format])
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
