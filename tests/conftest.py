from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def consumer(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester folder holding the example repository's test suite (the plugin's tests)."""
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    (pytester.path / "tests").mkdir()
    example = Path(__file__).parents[1] / "examples" / "consumer"
    shutil.copy(example / "tests" / "test_conformance.py", pytester.path / "tests")
    return pytester
