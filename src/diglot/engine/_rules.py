"""Per-operation and per-check settings: what a configuration file can say beyond the flags.

``[operations.createUsers]`` (max-examples, skip) and ``[checks."semantics.filters"]``
(enabled, severity), the latter also inside an operation's section
(``[operations.listGroups.checks."semantics.filters"]``). The engine asks :class:`Rules`
what applies to one operation and one check; the most specific setting wins (the
operation's check section over the global check section), and ``--checks`` /
``--exclude-checks`` select which checks run at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from diglot.model import Severity

DISABLED = "disabled by configuration"
"""The skip reason of a check that the configuration switched off."""


@dataclass(frozen=True, slots=True)
class CheckRule:
    """What the configuration says of one check (globally, or for one operation)."""

    enabled: bool | None = None
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class OperationRule:
    """What the configuration says of one operation."""

    max_examples: int | None = None
    skip: bool = False
    checks: tuple[tuple[str, CheckRule], ...] = ()


@dataclass(frozen=True, slots=True)
class Rules:
    """Every per-operation and per-check setting of one run (empty: none)."""

    operations: tuple[tuple[str, OperationRule], ...] = ()
    checks: tuple[tuple[str, CheckRule], ...] = ()

    def operation(self, operation: str) -> OperationRule:
        return dict(self.operations).get(operation, OperationRule())

    def check(self, check_id: str, operation: str) -> CheckRule:
        """The check's settings for this operation: the operation's section over the global one."""
        general = dict(self.checks).get(check_id, CheckRule())
        specific = dict(self.operation(operation).checks).get(check_id, CheckRule())
        return CheckRule(
            enabled=specific.enabled if specific.enabled is not None else general.enabled,
            severity=specific.severity or general.severity,
        )

    def record(self) -> dict[str, object]:
        """JSON-ready, for the report's options record."""

        def check(rule: CheckRule) -> dict[str, object]:
            out: dict[str, object] = {}
            if rule.enabled is not None:
                out["enabled"] = rule.enabled
            if rule.severity is not None:
                out["severity"] = rule.severity.value
            return out

        operations: dict[str, object] = {}
        for name, rule in self.operations:
            entry: dict[str, object] = {"skip": rule.skip}
            if rule.max_examples is not None:
                entry["max_examples"] = rule.max_examples
            if rule.checks:
                entry["checks"] = {cid: check(c) for cid, c in rule.checks}
            operations[name] = entry
        return {
            "operations": operations,
            "checks": {cid: check(c) for cid, c in self.checks},
        }


def selected(check_id: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """Whether ``--checks`` / ``--exclude-checks`` let the check run.

    Each entry is a check id (``semantics.filters``) or a family (``semantics``), which
    stands for every check of it.
    """

    def matches(entry: str) -> bool:
        return check_id == entry or check_id.startswith(entry.rstrip(".") + ".")

    if include and not any(matches(entry) for entry in include):
        return False
    return not any(matches(entry) for entry in exclude)
