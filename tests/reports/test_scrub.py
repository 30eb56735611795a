from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diglot.reports._scrub import BODY_LIMIT, Scrubber, cap, pretty_print, xml_safe
from diglot.transport._redact import REDACTED, Redactor

TOKEN = "s3cr3t-Token_4f9a2b7c1d"


def test_json_is_pretty_printed():
    assert pretty_print('{"a":[1,{"b":"c"}]}', "application/json") == json.dumps(
        {"a": [1, {"b": "c"}]}, indent=2
    )


def test_xml_is_pretty_printed_and_keeps_its_declaration():
    text = '<?xml version="1.0" encoding="utf-8"?><a xmlns="urn:x"><b>1</b><c/></a>'
    assert pretty_print(text, "application/xml") == (
        '<?xml version="1.0" encoding="utf-8"?>\n<a xmlns="urn:x">\n  <b>1</b>\n  <c/>\n</a>'
    )


def test_media_type_is_sniffed_when_absent():
    assert pretty_print('{"a":1}') == '{\n  "a": 1\n}'
    assert pretty_print("<a><b/></a>") == "<a>\n  <b/>\n</a>"
    assert pretty_print("plain text") == "plain text"


@pytest.mark.parametrize(
    ("text", "media"),
    [
        ('{"a": 1, "a": 2}', "application/json"),  # a duplicate the finding may be about
        ('{"a": ', "application/json"),
        ("<a><b></a>", "application/xml"),
    ],
)
def test_broken_or_ambiguous_documents_are_left_as_they_came(text, media):
    assert pretty_print(text, media) == text


def test_xml_entities_are_not_expanded():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>'
    )
    pretty = pretty_print(bomb, "application/xml")
    assert "aaaaaaaaaaaaaaaaaaaa" not in pretty


def test_cap_counts_the_bytes_left_out():
    assert cap("abc", 10) == "abc"
    assert cap("abcdé", 3) == "abc\n… 3 more bytes"


def test_long_bodies_are_capped_and_capping_is_idempotent():
    scrub = Scrubber()
    body = json.dumps({"groups": [{"groupName": f"g{i}"} for i in range(500)]}).encode()
    excerpt = scrub.body(body, "application/json")
    assert len(excerpt) < BODY_LIMIT + 40
    assert excerpt.endswith("more bytes")
    assert scrub.body(excerpt.encode(), "application/json") == excerpt


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_excerpts_are_idempotent(body):
    scrub = Scrubber(Redactor([TOKEN]))
    once = scrub.body(body, "application/json")
    assert scrub.body(once.encode(), "application/json") == once


def test_token_is_redacted_before_the_cut():
    # The token straddles the cut: cutting first would leave its first half behind.
    body = ("x" * (BODY_LIMIT - 5) + TOKEN + "y" * 100).encode()
    excerpt = Scrubber(Redactor([TOKEN])).body(body)
    assert TOKEN[:5] not in excerpt.replace(REDACTED, "")


def test_escaped_token_is_redacted_after_pretty_printing():
    escaped = "".join(f"\\u{ord(c):04x}" for c in TOKEN)
    excerpt = Scrubber(Redactor([TOKEN])).body(f'{{"t": "{escaped}"}}'.encode(), "application/json")
    assert TOKEN not in excerpt
    assert REDACTED in excerpt


def test_credential_headers_and_options_are_hidden_whatever_they_hold():
    scrub = Scrubber()
    headers = scrub.headers({"Authorization": "Basic dXNlcjpwYXNz", "Accept": "application/xml"})
    assert headers == {"Authorization": REDACTED, "Accept": "application/xml"}
    assert scrub.value({"api_token": "abc", "nested": {"password": "x"}, "count": 5}) == {
        "api_token": REDACTED,
        "nested": {"password": REDACTED},
        "count": 5,
    }


def test_xml_safe_makes_control_characters_visible():
    assert xml_safe("a\x00b\x1bc\td\n") == "a\\x00b\\x1bc\td\n"
