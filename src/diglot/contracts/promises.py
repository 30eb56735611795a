"""The promise inventory, as the checks see it (it lives in ``diglot.specs.promises``).

The inventory is the documentation read sentence by sentence, so it sits with the specs,
where the reports can read it too; this module is its name among the checks.
"""

from __future__ import annotations

from diglot.specs.promises import PROMISES, Coverage, Promise, coverage

__all__ = ["PROMISES", "Coverage", "Promise", "coverage"]
