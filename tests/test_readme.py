"""The README stays true to the code: every option and command it must document, it does."""

from __future__ import annotations

from pathlib import Path

from diglot.cli import COMMANDS
from diglot.engine import OPTIONS
from diglot.server import FAULTS, VARIANTS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_run_option_is_documented():
    missing = [o.cli_flag for o in OPTIONS if o.cli and f"`{o.cli_flag}" not in README]
    assert missing == [], f"document these diglot run options in README.md: {missing}"


def test_every_command_is_documented():
    missing = [name for name in COMMANDS if f"diglot {name}" not in README]
    assert missing == [], f"document these commands in README.md: {missing}"


def test_the_counts_the_readme_gives_are_the_servers():
    assert f"{len(FAULTS)}/{len(FAULTS)} faults caught" in README
    assert f"variants clean {len(VARIANTS)}/{len(VARIANTS)}" in README
    assert f"its {len(FAULTS)} faults" in README
    for variant in VARIANTS:
        assert f"`{variant}`" in README, variant
