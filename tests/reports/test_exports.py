from __future__ import annotations

import diglot.reports


def test_public_surface_is_pinned_and_sorted():
    assert diglot.reports.__all__ == sorted(diglot.reports.__all__)
    assert set(diglot.reports.__all__) == {
        "FILES",
        "REPORT_VERSION",
        "ReportWriter",
        "from_json",
        "merge",
        "render_html",
        "render_junit",
        "render_markdown",
        "report_schema",
        "to_json",
        "write_reports",
    }
    for name in diglot.reports.__all__:
        assert hasattr(diglot.reports, name)
