"""``diglot selftest``: the mutation score of diglot's checks against the reference server.

The clean server must give no finding at all (also under ``--strict``); every fault the
server can inject must be caught by a check of the family that the fault names; and every
variant (a faithful server that reads an open point of the documentation differently) must
give no finding at all under ``--strict`` either: checks that catch faults by calling
faithful answers wrong are not fair.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from diglot.cli import ExitCode


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the run against one fault (or the clean server, ``fault`` None) concluded."""

    fault: str | None
    family: str
    caught: bool
    families: tuple[str, ...]
    findings: int
    summary: str


@dataclass(frozen=True, slots=True)
class VariantVerdict:
    """What the strict run against one variant concluded: clean means no finding at all."""

    variant: str
    clean: bool
    findings: int
    summary: str


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--faults", type=lambda s: tuple(s.split(",")), default=(), help="only these faults"
    )
    parser.add_argument(
        "--variants",
        type=lambda s: tuple(s.split(",")),
        default=(),
        help="only these variants (see `diglot serve --list-variants`)",
    )
    parser.add_argument(
        "--max-examples", type=int, default=10, help="cases per operation and type (10)"
    )
    parser.add_argument("--seed", type=int, default=1, help="hypothesis seed (1)")


def run_matrix(
    faults: Sequence[str] = (), *, max_examples: int = 10, seed: int = 1
) -> Iterator[Verdict]:
    """Run the clean server and each fault; yield one verdict each (clean first)."""
    from diglot.engine._options import RunOptions
    from diglot.engine._run import run
    from diglot.model import Severity
    from diglot.server import FAULTS, get_fault

    for wanted in faults:
        get_fault(wanted)  # a UsageError naming close matches when unknown
    names: list[str | None] = [None, *(faults or FAULTS)]
    for name in names:
        config = RunOptions(max_examples=max_examples, seed=seed, fault=name)
        result = run(config)
        findings = [f for r in result.results for f in r.findings]
        if name is None:
            caught = not findings and not result.errors
            families = tuple(sorted({str(f.family) for f in findings}))
            yield Verdict(
                None,
                "-",
                caught,
                families,
                sum(r.occurrences for r in result.results),
                "; ".join(f"{f.check}: {f.message}" for f in findings[:3]),
            )
            continue
        fault = FAULTS[name]
        wanted = Severity.WARNING if fault.warning_only else Severity.VIOLATION
        hits = [
            f
            for f in findings
            if f.family == fault.family
            and (f.severity is wanted or f.severity is Severity.VIOLATION)
        ]
        yield Verdict(
            name,
            fault.family.value,
            bool(hits),
            tuple(sorted({str(f.family) for f in findings})),
            len(findings),
            f"{hits[0].check}: {hits[0].message}" if hits else "not caught",
        )


def run_variants(
    variants: Sequence[str] = (), *, max_examples: int = 10, seed: int = 1
) -> Iterator[VariantVerdict]:
    """Run each variant (all when ``variants`` is empty) strictly; yield one verdict each."""
    from diglot.engine._options import RunOptions
    from diglot.engine._run import run
    from diglot.server import VARIANTS, get_variant

    for wanted in variants:
        get_variant(wanted)  # a UsageError naming close matches when unknown
    for name in variants or VARIANTS:
        result = run(RunOptions(max_examples=max_examples, seed=seed, strict=True, variant=name))
        findings = [f for r in result.results for f in r.findings]
        problems = [f"{f.check}: {f.message}" for f in findings[:3]] + result.errors[:1]
        yield VariantVerdict(
            name,
            not findings and not result.errors,
            len(findings),
            "; ".join(problems) if problems else "no findings",
        )


def execute(args: argparse.Namespace) -> int:
    from diglot.cli._console import Console
    from diglot.server import get_fault, get_variant

    for fault in args.faults:
        get_fault(fault)  # unknown names are usage errors before anything runs
    for variant_name in args.variants:
        get_variant(variant_name)
    console = Console()
    caught = total = 0
    clean_ok = True
    for verdict in run_matrix(args.faults, max_examples=args.max_examples, seed=args.seed):
        if verdict.fault is None:
            clean_ok = verdict.caught
            console.line(
                f"clean server: {'no findings' if clean_ok else 'FINDINGS: ' + verdict.summary}",
                "green" if clean_ok else "bold red",
            )
            continue
        total += 1
        caught += verdict.caught
        console.line(
            f"{'caught ' if verdict.caught else 'MISSED '} {verdict.fault:<32} [{verdict.family}] "
            f"{verdict.summary}",
            "green" if verdict.caught else "bold red",
        )
    clean = checked = 0
    for variant in run_variants(args.variants, max_examples=args.max_examples, seed=args.seed):
        checked += 1
        clean += variant.clean
        console.line(
            f"{'clean  ' if variant.clean else 'FLAGGED'} {variant.variant:<32} [variant] "
            f"{variant.summary}",
            "green" if variant.clean else "bold red",
        )
    score = 100.0 * caught / total if total else 100.0
    console.line(
        f"mutation score: {caught}/{total} faults caught ({score:.0f} %); variants clean "
        f"{clean}/{checked}; clean server {'clean' if clean_ok else 'NOT clean'}",
        "bold",
    )
    fair = clean == checked
    return ExitCode.OK if clean_ok and caught == total and fair else ExitCode.VIOLATIONS
