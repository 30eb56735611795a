"""``diglot checks [ID]``: every registered check, or one explained."""

from __future__ import annotations

import argparse
import difflib
import inspect
import textwrap

from diglot.cli import ExitCode
from diglot.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("check", nargs="?", help="a check id to explain, e.g. pagination.links")
    parser.add_argument(
        "--checks-modules",
        default="",
        metavar="MODULES",
        help="comma-separated modules whose checks to list too (the diglot.checks entry "
        "points are always loaded)",
    )
    parser.add_argument(
        "--promises",
        action="store_true",
        help="print the promise inventory instead: every promise of the documentation pages, "
        "the checks that judge it and the reference-server faults that prove them",
    )


def execute(args: argparse.Namespace) -> int:
    from diglot.contracts import CHECKS, MULTI_CHECKS, SINGLE_CHECKS, load_checks

    load_checks(tuple(m.strip() for m in args.checks_modules.split(",") if m.strip()))
    if getattr(args, "promises", False):
        return print_promises()
    if args.check is None:
        width = max(len(check_id) for check_id in CHECKS)
        for each in CHECKS.values():
            scope = ", ".join(sorted(each.operations)) if each.operations else "every operation"
            kind = "multi " if each.multi else "single"
            print(f"{each.id:<{width}}  {kind}  {each.family:<11}  {scope}")
            print(textwrap.indent(textwrap.fill(each.description, 88), " " * (width + 2)))
        print(f"\n{len(CHECKS)} checks; `diglot checks ID` explains one.")
        return ExitCode.OK
    info = CHECKS.get(args.check)
    if info is None:
        close = difflib.get_close_matches(args.check, list(CHECKS), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else " `diglot checks` lists them."
        raise UsageError(f"there is no check {args.check!r}.{hint}")
    owner: object = next(
        (function for i, function, _ in SINGLE_CHECKS if i.id == info.id), None
    ) or next((m for m in MULTI_CHECKS if info in m.checks), None)
    judged_by = next((i.id for i, _, also in SINGLE_CHECKS if info in also), None)
    print(f"{info.id}  ({info.family})")
    print(textwrap.fill(info.description, 88))
    print()
    scope = ", ".join(sorted(info.operations)) if info.operations else "every operation"
    print(f"applies to:  {scope}, in JSON and in XML")
    if info.multi:
        print("kind:        spans exchanges (drives requests of its own after the generated cases)")
    else:
        print("kind:        judges each exchange on its own")
    if judged_by:
        print(f"judged by:   {judged_by}, which reports it")
    if info.rules:
        print(f"owns:        the status verdict of cases exercising {', '.join(info.rules)}")
    if owner is not None:
        source = inspect.getsourcefile(owner if inspect.isfunction(owner) else type(owner))
        print(f"defined in:  {source}")
        doc = inspect.getdoc(owner if inspect.isfunction(owner) else type(owner))
        if doc:
            print()
            print(doc)
    return ExitCode.OK


def print_promises() -> int:
    """``diglot checks --promises``: the inventory, one promise a block, the work list last."""
    from diglot.contracts.promises import PROMISES

    for promise in PROMISES:
        print(f"{promise.id}  [{', '.join(promise.content_types)}]")
        print(textwrap.indent(textwrap.fill(f"\u201c{promise.words}\u201d", 86), "    "))
        print(f"    checks: {', '.join(promise.checks) or '(none)'}")
        print(f"    faults: {', '.join(promise.faults) or '(none)'}")
        if promise.gap:
            print(textwrap.indent(textwrap.fill(f"gap: {promise.gap}", 86), "    "))
    unchecked = [p.id for p in PROMISES if not p.checks]
    unproven = [p.id for p in PROMISES if p.checks and not p.faults]
    print(
        f"\n{len(PROMISES)} promises; {len(PROMISES) - len(unchecked)} judged by a check, "
        f"{len(PROMISES) - len(unchecked) - len(unproven)} of them proven by a fault."
    )
    print(f"no check: {', '.join(unchecked) or '(none)'}")
    print(f"no proving fault: {', '.join(unproven) or '(none)'}")
    return ExitCode.OK
