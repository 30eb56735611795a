from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from lxml import etree

from diglot.reports import report_schema

JUNIT_XSD = Path(__file__).with_name("junit-10.xsd")


def assert_valid_report(document: object) -> None:
    """Validate a report.json document with python-jsonschema (formats checked too)."""
    validator = jsonschema.Draft202012Validator(
        report_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def assert_valid_report_file(path: Path) -> Any:
    document = json.loads(path.read_text("utf-8"))
    assert_valid_report(document)
    return document


@pytest.fixture(scope="session")
def junit_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
