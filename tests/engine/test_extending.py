"""Extending diglot: a user's spec with one more operation, a user's checks, in runs and pytest."""

from __future__ import annotations

import copy
import json
import sys
import textwrap
from pathlib import Path

import pytest

from diglot.cli import main
from diglot.engine import RunOptions, Status, run
from diglot.specs import bundled_file


@pytest.fixture(scope="module")
def extended_spec(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled spec plus ``listGroupsV2``: GET /v2/accounts/{accountId}/groups, the /v2/
    path the documentation also shows, which diglot has no dedicated strategy for."""
    folder = tmp_path_factory.mktemp("spec")
    document = json.loads(bundled_file("openapi.json"))
    operation = copy.deepcopy(document["paths"]["/v2.1/accounts/{accountId}/groups"]["get"])
    operation["operationId"] = "listGroupsV2"
    document["paths"]["/v2/accounts/{accountId}/groups"] = {"get": operation}
    openapi = folder / "openapi.json"
    openapi.write_text(json.dumps(document), encoding="utf-8")
    xsd = folder / "restapi.xsd"
    xsd.write_bytes(bundled_file("restapi.xsd"))
    return openapi, xsd


def test_an_extended_spec_runs_end_to_end_with_the_generic_checks(extended_spec):
    openapi, xsd = extended_spec
    result = run(
        RunOptions(
            spec=openapi, xsd=xsd, operations=("listGroupsV2",), max_examples=5, seed=1, strict=True
        )
    )
    rows = {(r.content_type, r.check): r for r in result.results}
    for content_type in ("json", "xml"):
        for check in ("protocol.status_code", "protocol.content_type", "schema.body"):
            assert rows[(content_type, check)].status is Status.PASSED, (content_type, check)
            assert rows[(content_type, check)].exchanges >= 5
    assert rows[("xml", "equivalence.json_xml")].status is Status.PASSED
    # operation-specific checks do not claim an operation they know nothing about
    assert not any(check.startswith(("pagination.", "semantics.")) for _, check in rows)
    assert not result.failed(strict=True)


def test_the_generic_checks_catch_a_fault_on_the_extended_operation(extended_spec, capsys):
    openapi, xsd = extended_spec
    args = ["run", "--spec", str(openapi), "--xsd", str(xsd), "--operations", "listGroupsV2"]
    args += ["--max-examples", "3", "--seed", "1", "--no-reports", "--no-stateful"]
    assert main([*args, "--fault", "xml-wrong-namespace"]) == 1
    assert "schema.body on listGroupsV2 [xml]" in capsys.readouterr().out


def test_spec_without_xsd_is_a_usage_error(extended_spec, capsys):
    openapi, _ = extended_spec
    assert main(["run", "--spec", str(openapi), "--no-reports"]) == 2
    assert "--spec and --xsd go together" in capsys.readouterr().err


USER_CHECKS = """
    from __future__ import annotations

    import diglot


    @diglot.register_check(
        "acme.group_names_short",
        description="Acme's own rule: every listed group name is at most 200 characters.",
        operations={"listGroups"},
    )
    def group_names_short(obs: diglot.Observation) -> bool:
        if obs.status != 200 or not isinstance(obs.data, dict):
            return False
        for group in obs.data.get("groups") or []:
            if isinstance(group, dict) and len(str(group.get("groupName", ""))) > LIMIT:
                obs.report("acme.group_names_short", "a group name is too long")
        return True


    LIMIT = LIMIT_VALUE
"""


@pytest.mark.parametrize(("limit", "code"), [(200, 0), (5, 1)])
def test_a_users_check_runs_in_diglot_run_and_reaches_every_report(pytester, limit, code):
    pytester.makepyfile(acme_checks=textwrap.dedent(USER_CHECKS).replace("LIMIT_VALUE", str(limit)))
    result = pytester.run(
        sys.executable, "-m", "diglot", "run", "--checks-modules", "acme_checks", "--operations", "listGroups",
        "--max-examples", "3", "--seed", "2", "--no-stateful", "--report-dir", "out",
    )  # fmt: skip
    assert result.ret == code, result.stderr.str()
    report = json.loads((pytester.path / "out" / "report.json").read_text())
    rows = [r for r in report["results"] if r["check"] == "acme.group_names_short"]
    assert {r["family"] for r in rows} == {"acme"}
    assert {r["status"] for r in rows} == ({"passed"} if code == 0 else {"failed"})
    assert "acme.group_names_short" in (pytester.path / "out" / "junit.xml").read_text()
    assert "acme.group_names_short" in (pytester.path / "out" / "index.html").read_text()
    if code:
        assert "acme.group_names_short" in (pytester.path / "out" / "summary.md").read_text()


def test_a_users_check_runs_in_the_pytest_plugin(pytester):
    pytester.makepyfile(acme_checks=textwrap.dedent(USER_CHECKS).replace("LIMIT_VALUE", "5"))
    pytester.makeini("[pytest]\ndiglot_checks_modules = acme_checks\ndiglot_max_examples = 3\n")
    pytester.makepyfile(
        test_conformance="""
        import diglot

        @diglot.parametrize(operations=["listGroups"], content_types=["json"])
        def test_conformance(case):
            case.call_and_validate()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*acme.group_names_short*"])


def test_an_unimportable_checks_module_is_a_clear_usage_error(capsys):
    assert main(["run", "--checks-modules", "no_such_module_here", "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert "--checks-modules no_such_module_here" in err
    assert "cannot be imported" in err
