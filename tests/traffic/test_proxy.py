"""``diglot proxy``: the official SDK talks to the reference server through it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docusign_esign  # a dev dependency: its absence is a failure, not a skip
import httpx
import pytest

from diglot.cli import main
from diglot.server import DEFAULT_ACCOUNT_ID, running

pytestmark = pytest.mark.slow

TOKEN = "proxy-secret-7c1e9a42d5"


def _start(upstream: str, reports: Path) -> tuple[subprocess.Popen[str], str]:
    proxy = subprocess.Popen(
        [sys.executable, "-m", "diglot", "proxy", "--upstream", upstream, "--port", "0",
         "--report-dir", str(reports)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )  # fmt: skip
    assert proxy.stdout is not None
    first = proxy.stdout.readline()
    assert first.startswith("diglot proxy at "), first + proxy.stderr.read()  # type: ignore[union-attr]
    return proxy, first.split()[3]


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[str, str, Path, subprocess.Popen[str]]]:
    """(proxy base URL, upstream base URL, report dir, the proxy process) over a faulty server."""
    reports = tmp_path / "reports"
    with running(fault="json-renamed-field") as upstream:
        proxy, base = _start(upstream, reports)
        try:
            yield base, upstream, reports, proxy
        finally:
            if proxy.poll() is None:
                proxy.kill()
                proxy.wait(timeout=10)


def _stop(proxy: subprocess.Popen[str]) -> tuple[int, str]:
    proxy.send_signal(signal.SIGTERM)
    out, err = proxy.communicate(timeout=30)
    return proxy.returncode, out + err


def test_the_sdk_through_the_proxy_and_the_report_names_the_fault(
    proxied: tuple[str, str, Path, subprocess.Popen[str]],
) -> None:
    base, upstream, reports, proxy = proxied
    client = docusign_esign.ApiClient(host=base)
    client.set_default_header("Authorization", f"Bearer {TOKEN}")
    groups = docusign_esign.GroupsApi(client)
    page = groups.list_groups(DEFAULT_ACCOUNT_ID, count="3", start_position="0")
    assert page.result_set_size == "3"
    assert page.groups[0].group_name is None  # the fault: groupName travels as "name"
    docusign_esign.SigningGroupsApi(client).list(DEFAULT_ACCOUNT_ID, include_users="true")
    created = groups.create_groups(
        DEFAULT_ACCOUNT_ID,
        group_information=docusign_esign.GroupInformation(
            groups=[docusign_esign.Group(group_name="through the proxy")]
        ),
    )
    assert created.groups[0].group_id
    # traffic passes unmodified: the same bytes as straight from the upstream
    path = f"/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?count=2"
    for accept in ("application/json", "application/xml"):
        direct = httpx.get(upstream + path, headers={"Accept": accept})
        through = httpx.get(base + path, headers={"Accept": accept})
        assert (through.status_code, through.content) == (direct.status_code, direct.content)
        assert through.headers["content-type"] == direct.headers["content-type"]
    # reports on demand, while it runs
    root = base.removesuffix("/restapi")
    written = httpx.get(root + "/__diglot__/report").json()
    assert Path(written["json"]).exists()
    code, output = _stop(proxy)
    assert code == 1, output
    document = json.loads((reports / "report.json").read_text())
    failed = {
        (r["operation"], r["content_type"], r["check"])
        for r in document["results"]
        if r["status"] == "failed"
    }
    assert ("listGroups", "json", "schema.body") in failed
    assert document["summary"]["requests"] == 5  # three SDK calls, two comparisons
    assert "schema.body" in output
    for path_ in reports.iterdir():
        assert TOKEN not in path_.read_text(), path_
    assert TOKEN not in output


def test_a_clean_upstream_gives_a_clean_report(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with running() as upstream:
        proxy, base = _start(upstream, reports)
        try:
            client = docusign_esign.ApiClient(host=base)
            docusign_esign.GroupsApi(client).list_groups(DEFAULT_ACCOUNT_ID, count="5")
            httpx.get(
                f"{base}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?count=5",
                headers={"Accept": "application/xml"},
            )
        finally:
            code, output = _stop(proxy)
    assert code == 0, output
    document = json.loads((reports / "report.json").read_text())
    row = next(
        r
        for r in document["results"]
        if (r["operation"], r["content_type"], r["check"])
        == ("listGroups", "xml", "equivalence.json_xml")
    )
    assert row["status"] == "passed"


def test_a_non_loopback_bind_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["proxy", "--upstream", "http://127.0.0.1:9/restapi", "--host", "0.0.0.0"])
    assert code == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert main(["proxy", "--upstream", "ftp://x"]) == 2


def test_bodies_past_the_limit_pass_whole_and_unjudged(tmp_path: Path) -> None:
    from diglot.cli._proxy_app import ProxyJudge, create_proxy_app, serving

    judge = ProxyJudge("in-process proxy", tmp_path)
    judge.start()
    try:
        with running() as upstream:
            app = create_proxy_app(upstream, judge, max_body=1000)
            with serving(app, host="127.0.0.1", port=0) as proxy_url:
                base = proxy_url + "/restapi"  # the upstream's base path, kept
                path = f"/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
                big = {"groups": [{"groupName": f"big {i:04d} " + "x" * 40} for i in range(40)]}
                through = httpx.post(base + path, json=big, headers={"Accept": "application/json"})
                assert through.status_code == 201, through.text
                assert len(through.json()["groups"]) == 40
                direct = httpx.get(upstream + path, headers={"Accept": "application/xml"})
                listed = httpx.get(base + path, headers={"Accept": "application/xml"})
                assert len(listed.content) > 1000
                assert listed.content == direct.content
                small = httpx.get(base + path + "?count=1&search_text=zz-none")
                assert small.status_code == 200
        result = judge.result()
    finally:
        judge.stop()
    assert result.requests == 3
    assert any("2 exchange(s) passed unjudged" in e for e in result.errors), result.errors
    judged = {(r.operation, r.check): r.exchanges for r in result.results}
    assert judged["listGroups", "schema.body"] == 1
