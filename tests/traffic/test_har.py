"""``diglot check --har``: traffic recorded by diglot, by schemathesis, by hand, judged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from diglot.cli import main
from diglot.engine._record import read_har
from diglot.engine._traffic import judge_traffic
from diglot.server import DEFAULT_ACCOUNT_ID, running

_ST = Path(sys.executable).with_name("st")


def _report(directory: Path) -> dict[str, object]:
    document = json.loads((directory / "report.json").read_text())
    assert isinstance(document, dict)
    return document


def _rows(document: dict[str, object]) -> list[dict[str, object]]:
    results = document["results"]
    assert isinstance(results, list)
    return results


def _status(document: dict[str, object], operation: str, ct: str, check: str) -> object:
    for row in _rows(document):
        if (row["operation"], row["content_type"], row["check"]) == (operation, ct, check):
            return row["status"]
    return None


def _record(tmp_path: Path, *extra: str) -> Path:
    reports = tmp_path / "run"
    code = main(
        ["run", "--max-examples", "3", "--seed", "3", "--record", "--report-dir", str(reports),
         "--operations", "listGroups,createGroups", *extra]
    )  # fmt: skip
    assert code in (0, 1)
    return reports / "traffic.har"


@pytest.mark.slow
def test_a_har_written_by_diglot_is_judged_like_the_run(tmp_path: Path) -> None:
    har = _record(tmp_path, "--fault", "xml-child-order")
    out = tmp_path / "judged"
    assert main(["check", "--har", str(har), "--report-dir", str(out)]) == 1
    document = _report(out)
    assert _status(document, "listGroups", "xml", "schema.body") == "failed"
    assert _status(document, "listGroups", "json", "schema.body") == "passed"
    # the JSON and XML answers to the same GET were compared, pages followed where recorded
    assert _status(document, "listGroups", "xml", "equivalence.json_xml") in ("passed", "failed")
    assert _status(document, "listGroups", "json", "pagination.links") == "passed"


@pytest.mark.slow
def test_a_clean_record_is_judged_clean(tmp_path: Path) -> None:
    har = _record(tmp_path)
    out = tmp_path / "judged"
    assert main(["check", "--har", str(har), "--report-dir", str(out)]) == 0
    document = _report(out)
    statuses = {row["status"] for row in _rows(document)}
    assert "failed" not in statuses
    assert _status(document, "listGroups", "xml", "equivalence.json_xml") == "passed"


def _schemathesis_har(tmp_path: Path, base_url: str) -> Path:
    document = tmp_path / "openapi.json"
    assert main(["spec", "--format", "openapi", "--output", str(document)]) == 0
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.accountId" = "{DEFAULT_ACCOUNT_ID}"\n')
    st = str(_ST) if _ST.exists() else shutil.which("st")
    assert st is not None, "schemathesis's st command is not installed: run scripts/setup"
    out = tmp_path / "st"
    command = [
        st, "--config-file", str(config), "--no-color", "run", str(document),
        "--url", base_url, "--max-examples", "5", "--seed", "1", "--workers", "1",
        "--generation-database", "none", "--phases", "examples,fuzzing",
        "--include-operation-id", "listGroups", "--include-operation-id", "listSigningGroups",
        "--report", "har", "--report-dir", str(out),
    ]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
    hars = list(out.glob("*.json"))
    assert len(hars) == 1, f"schemathesis wrote no HAR in {out}"
    return hars[0]


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "code"), [(None, 0), ("json-renamed-field", 1)])
def test_a_har_written_by_schemathesis_is_judged(
    tmp_path: Path, fault: str | None, code: int
) -> None:
    with running(fault=fault) as base_url:
        har = _schemathesis_har(tmp_path, base_url)
    out = tmp_path / "judged"
    assert main(["check", "--har", str(har), "--report-dir", str(out)]) == code
    document = _report(out)
    expected = "failed" if fault else "passed"
    assert _status(document, "listGroups", "json", "schema.body") == expected
    assert _status(document, "listSigningGroups", "json", "schema.body") == "passed"
    assert document["summary"]["requests"] == len(read_har(har))  # type: ignore[index]


def _entry(method: str, url: str, accept: str, status: int, mime: str, text: str) -> object:
    return {
        "startedDateTime": "2026-01-01T00:00:00Z",
        "time": 1,
        "request": {
            "method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": [{"name": "Accept", "value": accept},
                        {"name": "Authorization", "value": "Bearer eyJhbGciOi.secret.token"}],
            "queryString": [], "headersSize": -1, "bodySize": 0,
        },
        "response": {
            "status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": [{"name": "Content-Type", "value": mime}],
            "content": {"size": len(text), "mimeType": mime, "text": text},
            "redirectURL": "", "headersSize": -1, "bodySize": len(text),
        },
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
    }  # fmt: skip


def test_any_base_path_the_v2_form_and_unmatched_exchanges(tmp_path: Path) -> None:
    with running() as base_url:
        import httpx

        path = f"/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
        json_answer = httpx.get(base_url + path, headers={"Accept": "application/json"})
        xml_answer = httpx.get(base_url + path, headers={"Accept": "application/xml"})
    # the same answers, as a gateway with another base path and the /v2/ form would carry them
    url = f"https://gateway.example/some/base/v2/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    entries = [
        _entry("GET", url, "application/json", 200, "application/json", json_answer.text),
        _entry("GET", url, "application/xml", 200, "application/xml", xml_answer.text),
        _entry("GET", "https://gateway.example/some/base/oauth/userinfo", "*/*", 200,
               "application/json", "{}"),
        _entry("GET", "https://gateway.example/favicon.ico", "*/*", 404, "text/html", ""),
    ]  # fmt: skip
    har = tmp_path / "browser.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    result = judge_traffic(read_har(har), source="browser.har")
    judged = {(r.operation, r.content_type, r.check): r for r in result.results}
    assert judged["listGroups", "json", "schema.body"].exchanges == 1
    assert judged["listGroups", "xml", "schema.body"].exchanges == 1
    assert judged["listGroups", "xml", "equivalence.json_xml"].exchanges == 1
    assert not result.failed()
    assert result.requests == 4
    (unmatched,) = [e for e in result.errors if "match no documented operation" in e]
    assert unmatched.startswith("2 exchange(s)")
    assert "/oauth/userinfo" in unmatched
    assert "/favicon.ico" in unmatched
    out = tmp_path / "reports"
    assert main(["check", "--har", str(har), "--report-dir", str(out)]) == 0
    for written in out.iterdir():
        assert "secret" not in written.read_text(), written


def test_a_file_that_is_no_har_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x.har"
    bad.write_text('{"log": {}}')
    assert main(["check", "--har", str(bad)]) == 2
    assert "no log.entries" in capsys.readouterr().err
    assert main(["check", "--har", str(tmp_path / "missing.har")]) == 2
    assert main(["check", "--har", str(bad), "--operation", "listGroups"]) == 2


def test_requests_without_a_response_are_counted_not_judged(tmp_path: Path) -> None:
    url = f"https://api.example/restapi/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    entry = _entry("GET", url, "application/json", 0, "", "")
    har = tmp_path / "cancelled.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    result = judge_traffic(read_har(har), source="cancelled.har")
    assert not result.failed()
    assert result.requests == 1
    assert "1 recorded request(s) have no response and were not judged" in result.errors


def test_a_base64_body_and_http2_pseudo_headers_are_read(tmp_path: Path) -> None:
    import base64

    url = f"https://api.example/restapi/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/signing_groups"
    body = '{"groups": []}'.encode("utf-16")  # not UTF-8: recorders keep it in base64
    entry: Any = _entry("GET", url, "application/json", 200, "application/json", "")
    entry["response"]["content"] = {
        "size": len(body),
        "mimeType": "application/json; charset=utf-16",
        "text": base64.b64encode(body).decode(),
        "encoding": "base64",
    }
    entry["request"]["headers"].append({"name": ":authority", "value": "api.example"})
    har = tmp_path / "devtools.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    (recorded,) = read_har(har)
    assert recorded.response is not None
    assert recorded.response.body == body
    assert set(recorded.request.headers) == {"Accept"}
    assert recorded.request.authenticated
