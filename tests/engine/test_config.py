"""The configuration file: found, checked, merged with flags; the same file for CLI and pytest."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema_rs
import pytest

from diglot.cli import main
from diglot.engine import run
from diglot.engine._config import config_schema, find_config, resolve, schema_text
from diglot.errors import UsageError

FAST = 'content-types = ["json"]\nmax-examples = 2\nseed = 7\n'
ONLY = '[operations]\nonly = ["listGroups"]\n'


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_shipped_schema_is_the_one_the_option_table_generates():
    shipped = Path(__file__).parents[2] / "src" / "diglot" / "engine" / "config.schema.json"
    assert shipped.read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -m diglot.engine._config > src/diglot/engine/config.schema.json"
    )
    assert jsonschema_rs.meta.is_valid(config_schema())
    # every option a flag sets is a key of the file
    keys = set(config_schema()["properties"])
    assert {"max-examples", "content-types", "report-dir", "baseline", "strict"} <= keys
    assert "token" not in keys  # never in a file


def test_the_file_is_found_upwards_diglot_toml_first(tmp_path):
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(start=deep) is None or not str(find_config(start=deep)).startswith(
        str(tmp_path)
    )
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.diglot]: not it
    assert find_config(start=deep) != tmp_path / "pyproject.toml"
    write(tmp_path / "a" / "pyproject.toml", "[tool.diglot]\nmax-examples = 3\n")
    assert find_config(start=deep) == tmp_path / "a" / "pyproject.toml"
    write(tmp_path / "a" / "b" / "diglot.toml", "max-examples = 4\n")
    assert find_config(start=deep) == deep / "diglot.toml"
    assert find_config(tmp_path / "a" / "pyproject.toml", start=deep) == (
        tmp_path / "a" / "pyproject.toml"
    )
    with pytest.raises(UsageError, match="no such file"):
        find_config(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[tool.diglot]\nmax-examples = 3\nmax-exampels = 4\n",
            r"pyproject.toml:3: key 'max-exampels' is not a diglot setting",
        ),
        (
            '[tool.diglot]\n\n[tool.diglot.operations.createUsers]\nmax-examples = "many"\n',
            r"pyproject.toml:4: key 'operations.createUsers.max-examples': 'many' \(str\) "
            r"is not an integer",
        ),
        (
            '[tool.diglot.checks."semantics.filters"]\nseverity = "fatal"\n',
            r"pyproject.toml:2: key 'checks.semantics.filters.severity': 'fatal' \(str\) is not "
            r"one of 'violation', 'warning'",
        ),
        (
            "[tool.diglot]\nstrict = 1\n",
            r"pyproject.toml:2: key 'strict': 1 \(int\) is not a boolean",
        ),
        (
            '[tool.diglot]\nbase-url = "${DIGLOT_TEST_UNSET_URL}"\n',
            r"pyproject.toml:2: key 'base-url': the environment variable DIGLOT_TEST_UNSET_URL "
            r"is not set",
        ),
        (
            "[tool.diglot]\ntimeout = -1\n",
            r"--timeout must be a positive number",
        ),
        ("[tool.diglot]\nseed = \n", r"pyproject.toml: not valid TOML"),
    ],
)
def test_a_wrong_file_is_a_usage_error_naming_file_key_and_line(
    tmp_path, monkeypatch, text, expected
):
    monkeypatch.delenv("DIGLOT_TEST_UNSET_URL", raising=False)
    write(tmp_path / "pyproject.toml", text)
    with pytest.raises(UsageError, match=expected):
        resolve({}, start=tmp_path)


def test_a_wrong_file_exits_2_without_a_traceback(tmp_path, monkeypatch, capsys):
    write(tmp_path / "diglot.toml", "max-examples = 3\n\n[operations.listGroup]\nskip = true\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert "diglot.toml:3: key 'operations.listGroup' names no operation" in err
    assert "Traceback" not in err


def test_flags_override_the_file_and_the_record_says_where_each_came_from(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGLOT_TEST_PREFIX", "acme-")
    write(
        tmp_path / "diglot.toml",
        """\
        max-examples = 3
        name-prefix = "${DIGLOT_TEST_PREFIX}diglot-"
        report-dir = "out"
        content-types = "json"
        [checks]
        exclude = ["pagination"]
        """,
    )
    options = resolve({"max_examples": 5}, start=tmp_path, token="secret-token")
    assert options.max_examples == 5
    assert options.name_prefix == "acme-diglot-"
    assert options.content_types == ("json",)
    assert options.exclude_checks == ("pagination",)
    assert options.report_dir == Path("out")
    sources = dict(options.sources)
    assert sources["max_examples"] == "flag"
    assert sources["name_prefix"] == "file"
    assert sources["timeout"] == "default"
    assert sources["token"] == "env"
    record = options.record()
    assert record["config_file"] == str(tmp_path / "diglot.toml")
    assert "secret-token" not in json.dumps(record)


def test_a_disabled_check_is_skipped_and_a_severity_can_be_lowered(tmp_path):
    """Against a server that ignores search_text, semantics.filters fails; the file lowers
    it to a warning for listGroups, and --exclude-checks switches it off."""
    write(
        tmp_path / "diglot.toml",
        FAST
        + 'fault = "search-text-ignored"\n'
        + ONLY
        + """[operations.listGroups.checks."semantics.filters"]
severity = "warning"
""",
    )
    lowered = run(resolve({}, start=tmp_path))
    rows = [r for r in lowered.results if r.check == "semantics.filters"]
    assert rows
    assert all(r.status == "warning" for r in rows), [(r.content_type, r.status) for r in rows]
    assert not lowered.failed()
    assert lowered.failed(strict=True)

    off = run(resolve({"exclude_checks": ("semantics.filters",)}, start=tmp_path))
    rows = [r for r in off.results if r.check == "semantics.filters"]
    assert rows
    assert {(r.status, r.skip_reason) for r in rows} == {("skipped", "disabled by configuration")}
    assert not any(f.check == "semantics.filters" for r in off.results for f in r.findings)

    # the same fault, unconfigured, is a failure: the settings above are what made it pass
    write(tmp_path / "diglot.toml", FAST + 'fault = "search-text-ignored"\n' + ONLY)
    plain = run(resolve({}, start=tmp_path))
    assert any(r.check == "semantics.filters" and r.status == "failed" for r in plain.results)


def test_per_operation_examples_and_skip(tmp_path):
    write(
        tmp_path / "diglot.toml",
        """\
        content-types = ["json"]
        stateful = false
        seed = 3
        max-examples = 1
        [operations]
        only = ["listGroups", "createUsers"]
        [operations.createUsers]
        skip = true
        """,
    )
    result = run(resolve({}, start=tmp_path))
    users = [r for r in result.results if r.operation == "createUsers"]
    assert users
    assert {r.skip_reason for r in users} == {"[operations.createUsers] skip = true"}
    assert not any(r.exchanges for r in users)
    assert any(r.operation == "listGroups" and r.exchanges for r in result.results)


CONSUMER_TEST = """
import diglot


@diglot.parametrize()
def test_conformance(case):
    case.call_and_validate()
"""


@pytest.mark.slow
def test_one_pyproject_configures_the_cli_and_the_pytest_plugin_alike(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repo configured only by [tool.diglot]: the fault's failing check is disabled there,
    so both front doors pass, with the same effective options, all from the file."""
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    pytester.makepyprojecttoml(
        """
        [tool.diglot]
        operations = { only = ["listGroups"] }
        content-types = ["json"]
        max-examples = 2
        seed = 7
        stateful = false
        fault = "json-renamed-field"
        report-dir = "diglot-reports"

        [tool.diglot.checks."schema.body"]
        enabled = false
        """
    )
    pytester.makepyfile(test_conformance=CONSUMER_TEST)

    tests = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    tests.assert_outcomes(passed=1)
    from_pytest = json.loads((pytester.path / "diglot-reports" / "report.json").read_text())

    cli = subprocess.run(
        [sys.executable, "-m", "diglot", "run"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    from_cli = json.loads((pytester.path / "diglot-reports" / "report.json").read_text())

    for report in (from_pytest, from_cli):
        options = report["options"]
        assert options["max_examples"] == 2
        assert options["content_types"] == ["json"]
        assert options["operations"] == ["listGroups"]
        assert options["config_file"].endswith("pyproject.toml")
        assert options["sources"]["max_examples"] == "file"
        assert options["sources"]["timeout"] == "default"
        rows = [r for r in report["results"] if r["check"] == "schema.body"]
        assert rows
        assert {r["skip_reason"] for r in rows} == {"disabled by configuration"}
    assert from_pytest["seed"] == from_cli["seed"] == 7
    assert from_cli["options"]["fault"] == "json-renamed-field"  # pytest's items: the target

    # without the check's section the same repo fails in both
    text = (pytester.path / "pyproject.toml").read_text()
    (pytester.path / "pyproject.toml").write_text(text.replace("enabled = false", ""))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(failed=1)
    again = subprocess.run(
        [sys.executable, "-m", "diglot", "run"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 1, again.stdout + again.stderr
