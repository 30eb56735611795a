"""Load on a real account and cleanup (issue 15): a run against a remote target (the reference
server over loopback HTTP with an SQLite file standing in for staging) stays within its
documented request count, creates only recognisable resources, and leaves none behind;
``diglot cleanup`` removes a crashed run's leftovers; a target without the deletes is told so.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from diglot.cli import main
from diglot.engine import RunOptions, run
from diglot.engine._results import Status
from diglot.server import DEFAULT_ACCOUNT_ID, create_app, running, serve_app

REQUEST_BUDGET = 300
"""The README's request count for a default run against a remote target."""
MAX_GROUPS, MAX_USERS = 40, 40
"""The README's bound on what such a run creates (before the cleanup removes it)."""


@pytest.fixture
def staging(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "staging.db"
    with running(db_path=str(db)) as base_url:
        yield base_url, db


def ours(db: Path, prefix: str = "diglot-") -> tuple[int, int, int]:
    """Groups, open users and closed users in the database whose names start with prefix."""
    with sqlite3.connect(db) as conn:
        like = prefix.replace("%", r"\%") + "%"
        groups = conn.execute("SELECT count(*) FROM groups_ WHERE name LIKE ?", (like,))
        n_groups = groups.fetchone()[0]
        rows = conn.execute(
            "SELECT status = 'Closed', count(*) FROM users WHERE user_name LIKE ? GROUP BY 1",
            (like,),
        ).fetchall()
    by_status = dict(rows)
    return n_groups, by_status.get(0, 0), by_status.get(1, 0)


def remote(base_url: str, *extra: str) -> list[str]:
    return ["run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID, *extra]


@pytest.mark.slow
def test_a_default_remote_run_stays_in_budget_and_leaves_nothing(staging, tmp_path):
    base_url, db = staging
    code = main(remote(base_url, "--seed", "3", "--report-dir", str(tmp_path / "r")))
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert code == 0, report["errors"]
    assert report["requests"] <= REQUEST_BUDGET
    (resources,) = report["resources"]
    created = resources["created"]
    groups = [r for r in created if r["kind"] == "group"]
    users = [r for r in created if r["kind"] == "user"]
    assert 0 < len(groups) <= MAX_GROUPS
    assert 0 < len(users) <= MAX_USERS
    assert resources["cleanup"] == "done"
    assert all(r["removed"] for r in created)
    stem = f"diglot-{resources['run_id']}-"
    assert all(r["name"].startswith(stem) for r in created)
    # the database agrees: no group left, every user the run created closed
    assert ours(db) == (0, 0, len(users))
    with sqlite3.connect(db) as conn:
        emails = [
            e
            for (e,) in conn.execute(
                "SELECT email FROM users WHERE user_name LIKE ?", (stem + "%",)
            )
        ]
    assert emails
    assert all(e.endswith("@example.com") and e.startswith(stem) for e in emails)
    # the deletes were judged, in both content types, by the generic checks only
    judged = {
        (r["operation"], r["content_type"], r["check"])
        for r in report["results"]
        if r["operation"].startswith("delete") and r["exchanges"]
    }
    assert {(op, ct) for op, ct, _ in judged} == {
        (op, ct) for op in ("deleteGroups", "deleteUsers") for ct in ("json", "xml")
    }
    assert {check.split(".")[0] for _, _, check in judged} <= {"protocol", "schema"}
    # the 500/501-user cases were not sent: the limit says so
    limits = [r for r in report["results"] if r["check"] == "semantics.limits"]
    assert limits
    assert all(r["status"] == "skipped" for r in limits)
    assert all("--bulk-cases" in r["skip_reason"] for r in limits)


def test_bulk_cases_are_sent_with_bulk_cases_and_to_the_embedded_server(staging):
    base_url, db = staging
    config = RunOptions(
        base_url=base_url,
        account_id=DEFAULT_ACCOUNT_ID,
        operations=("createUsers",),
        content_types=("json",),
        max_examples=1,
        stateful=False,
        bulk_cases=True,
        seed=1,
    )
    result = run(config)
    (limits,) = [r for r in result.results if r.check == "semantics.limits"]
    assert limits.status is Status.PASSED
    (resources,) = result.resources
    assert len([r for r in resources.created if r.kind == "user"]) >= 500
    assert resources.cleanup == "done"
    assert ours(db)[1] == 0  # every one of the 500 closed again
    embedded = run(
        RunOptions(operations=("createUsers",), content_types=("xml",), max_examples=1, seed=1)
    )
    (limits,) = [r for r in embedded.results if r.check == "semantics.limits"]
    assert limits.status is Status.PASSED


def test_no_cleanup_then_diglot_cleanup_from_the_report(staging, tmp_path, capsys):
    base_url, db = staging
    args = ["--max-examples", "2", "--seed", "4", "--no-cleanup"]
    code = main(remote(base_url, *args, "--report-dir", str(tmp_path / "r")))
    assert code == 0
    path = tmp_path / "r" / "report.json"
    (resources,) = json.loads(path.read_text())["resources"]
    assert resources["cleanup"] == "kept"
    groups = sum(r["kind"] == "group" for r in resources["created"])
    users = sum(r["kind"] == "user" for r in resources["created"])
    assert groups
    assert users
    assert ours(db) == (groups, users, 0)  # the "crashed" run's leftovers
    said = capsys.readouterr().out  # the run says what it left, where a person reads it
    assert f"cleanup kept: {groups} groups and {users} users of run" in said
    assert "left on the target" in (tmp_path / "r" / "summary.md").read_text()
    assert main(["cleanup", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out.count("would remove") == groups + users
    assert main(["cleanup", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"removed {groups + users}, left 0" in out
    assert ours(db) == (0, 0, users)
    (after,) = json.loads(path.read_text())["resources"]
    assert after["cleanup"] == "done"
    assert all(r["removed"] for r in after["created"])
    assert main(["cleanup", str(path)]) == 0  # nothing left: says so, sends nothing
    assert "nothing left" in capsys.readouterr().out


def test_cleanup_by_name_prefix_and_age(staging, tmp_path, capsys):
    base_url, db = staging
    prefix = "ci-nightly-"
    config = RunOptions(
        base_url=base_url,
        account_id=DEFAULT_ACCOUNT_ID,
        operations=("createGroups",),
        max_examples=3,
        name_prefix=prefix,
        cleanup=False,
        seed=2,
    )
    result = run(config)
    groups = len(result.resources[0].created)
    assert groups
    assert ours(db, prefix)[0] == groups
    # a group a person named with the same prefix is not diglot's: it stays
    import httpx

    account = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}"
    httpx.post(f"{account}/groups", json={"groups": [{"groupName": prefix + "team"}]})
    target = ["--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID]
    capsys.readouterr()
    # the run started less than a day ago: --older-than 1d keeps its groups
    assert main(["cleanup", "--name-prefix", prefix, "--older-than", "1d", *target]) == 0
    assert "no group named" in capsys.readouterr().out
    assert ours(db, prefix)[0] == groups + 1
    assert main(["cleanup", "--name-prefix", prefix, *target]) == 0
    out = capsys.readouterr().out
    assert f"removed {groups}, left 0" in out
    assert "users are found only from a report" in out
    assert ours(db, prefix)[0] == 1  # only the person's group


class _NoDeletes:
    """A target that does not offer the deletes: 405 to every DELETE."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "DELETE":
            await send(
                {
                    "type": "http.response.start",
                    "status": 405,
                    "headers": [(b"content-type", b"application/json"), (b"allow", b"GET, POST")],
                }
            )
            body = b'{"errorCode":"METHOD_NOT_ALLOWED","message":"no deletes here"}'
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


@pytest.mark.slow
def test_a_target_without_the_deletes_is_reported_and_the_verdict_stands(tmp_path):
    db = tmp_path / "no-deletes.db"
    app = create_app(db_path=str(db))
    try:
        with serve_app(_NoDeletes(app)) as base_url:  # type: ignore[arg-type]
            code = main(
                remote(
                    base_url,
                    "--max-examples",
                    "2",
                    "--seed",
                    "6",
                    "--report-dir",
                    str(tmp_path / "r"),
                )
            )
    finally:
        app.state.store.close()
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert code == 0, report["summary"]
    assert report["summary"]["failed"] == 0
    (resources,) = report["resources"]
    assert resources["cleanup"] == "unsupported"
    assert any("405" in note and "deleteGroups" in note for note in resources["notes"])
    assert any(note.startswith("left on the target") for note in resources["notes"])
    assert not any(r["removed"] for r in resources["created"])
    deletes = [r for r in report["results"] if r["operation"].startswith("delete")]
    assert deletes
    assert all(r["status"] == "skipped" for r in deletes)
    groups = sum(r["kind"] == "group" for r in resources["created"])
    assert ours(db)[0] == groups  # still there, and the report lists each one


def test_cleanup_usage_errors_are_exit_2(tmp_path, capsys):
    assert main(["cleanup"]) == 2
    assert main(["cleanup", "--name-prefix", "diglot-"]) == 2  # no target
    bad = tmp_path / "report.json"
    bad.write_text('{"target": "http://127.0.0.1:9/restapi", "account_id": "1", "resources": [{}]}')
    assert main(["cleanup", str(bad)]) == 2
    assert "not as diglot writes them" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["cleanup", "--name-prefix", "diglot-", "--older-than", "yesterday"])
    assert exit_.value.code == 2


def test_resources_survive_the_report_and_merge():
    from datetime import UTC, datetime

    from diglot.engine._results import Resource, Resources, RunResult
    from diglot.reports import from_json, to_json
    from diglot.reports._merge import merge

    def shard(run_id: str, removed: bool) -> RunResult:
        run = RunResult("http://127.0.0.1:1/restapi", "1", "0", 1, {}, datetime.now(UTC))
        created = [
            Resource("group", "10000031", f"diglot-{run_id}-0 x", "xml", removed),
            Resource("user", "u-1", f"diglot-{run_id}-user1", "json", removed),
        ]
        notes = [] if removed else ["left on the target: 1 group(s), 1 user(s)"]
        run.resources.append(
            Resources(run_id, "diglot-", created, "done" if removed else "failed", notes)
        )
        return run

    first, second = shard("htkt00001", True), shard("htkt00002", False)
    merged = merge([from_json(to_json(first)), from_json(to_json(second))])
    document: Any = to_json(merged)
    assert [entry["run_id"] for entry in document["resources"]] == ["htkt00001", "htkt00002"]
    assert document["resources"][1]["cleanup"] == "failed"
    assert [r["removed"] for r in document["resources"][1]["created"]] == [False, False]
    assert from_json(document).resources == merged.resources


class _Recording:
    """Records the body of every POST that reaches the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.posts: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        self.posts.append(b"".join(chunks))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def test_a_failing_post_is_not_shrunk_or_replayed_against_a_remote_target():
    from diglot.specs import load_spec
    from diglot.strategies import Names, explicit_cases

    spec = load_spec()
    operation = spec.operation("createGroups")
    explicit = explicit_cases(
        operation, spec=spec, content_type="json", account_id="1", names=Names()
    )
    app = create_app(fault="group-name-truncated")  # every created name comes back cut
    recording = _Recording(app)
    try:
        with serve_app(recording) as base_url:  # type: ignore[arg-type]
            result = run(
                RunOptions(
                    base_url=base_url,
                    account_id=DEFAULT_ACCOUNT_ID,
                    operations=("createGroups",),
                    content_types=("json",),
                    max_examples=10,
                    stateful=False,
                    cleanup=False,
                    seed=1,
                )
            )
    finally:
        app.state.store.close()
    assert result.failed()  # the fault is found...
    # ...and every POST was a new example, sent once: none shrunk, none replayed
    assert len(recording.posts) == len(explicit) + 10
    creating = [body for body in recording.posts if b'"groupName": "diglot-' in body]
    assert creating
    assert len(set(creating)) == len(creating)
