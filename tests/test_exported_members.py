from __future__ import annotations

import diglot


def test_all_is_sorted_and_exported():
    assert list(diglot.__all__) == sorted(diglot.__all__)
    for name in diglot.__all__:
        assert hasattr(diglot, name), name
