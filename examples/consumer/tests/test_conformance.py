"""The API's documented contract, checked from this repository's own test suite."""

from __future__ import annotations

import os

import httpx

import diglot


@diglot.parametrize()
def test_conformance(case):
    """One item per operation × content type: generated requests, every contract check."""
    case.call_and_validate()


def test_list_groups_in_xml(diglot_base_url, diglot_account_id, diglot_check):
    """A request this team's integration makes, judged against the documented contract."""
    headers = {"Accept": "application/xml"}
    if token := os.environ.get("DIGLOT_TOKEN"):
        headers["Authorization"] = f"Bearer {token}"
    response = httpx.get(
        f"{diglot_base_url}/v2.1/accounts/{diglot_account_id}/groups",
        params={"count": "5"},
        headers=headers,
    )
    findings = diglot_check(response)
    assert response.status_code == 200
    assert all(finding.severity == "warning" for finding in findings)
