from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from diglot.specs._safexml import parser as safe_parser
from diglot.transport._bodies import MAX_JSON_DEPTH, BodyProblem, parse_json, parse_xml
from tests.hostile.server import Sentinel

NS = "http://www.docusign.com/restapi"


def _page(groups: int) -> dict[str, object]:
    return {
        "groups": [
            {
                "groupId": str(i),
                "groupName": f"Group {i}",
                "groupType": "customGroup",
                "permissionProfileId": "1597",
                "users": [],
                "usersCount": "0",
            }
            for i in range(groups)
        ],
        "resultSetSize": str(groups),
        "startPosition": "0",
        "endPosition": str(groups - 1),
        "totalSetSize": str(groups),
        "nextUri": None,
        "previousUri": None,
    }


# --- JSON -----------------------------------------------------------------------------------


def test_an_ordinary_page_parses_to_plain_data() -> None:
    page = _page(100)
    assert parse_json(json.dumps(page).encode()) == page


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b'\xef\xbb\xbf{"groups": []}', "byte order mark"),
        (b'{"groupName": "caf\xe9"}', "not valid UTF-8: byte 0xe9 at offset 18"),
        (b'{"a": "x\x01y"}', "control character U+0001 at line 1, column 9"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": -Infinity}', "-Infinity"),
        (b'{"a": 1e999}', "too large"),
        (b'{"a": ' + b"7" * 100_000 + b"}", "digits"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        (b'{"groups": [{"groupName": "a', "ends before the JSON value is complete"),
        (b'{"groups": [1, 2', "ends before the JSON value is complete"),
        (b'{"a": 1} {"b": 2}', "extra data after the JSON value, at line 1, column 10"),
        (b'{"a": 1}\n]', "extra data after the JSON value, at line 2, column 1"),
        (b'{"a" 1}', "not valid JSON: expecting ':' delimiter at line 1, column 6"),
        (b'["\\ud800"]', "the JSON string at /0 holds an unpaired UTF-16 surrogate"),
        (b'{"\\udc00": 1}', "unpaired UTF-16 surrogate"),
    ],
)
def test_unreadable_json_is_one_clear_sentence(body: bytes, says: str) -> None:
    with pytest.raises(BodyProblem) as problem:
        parse_json(body)
    assert says in problem.value.message
    assert str(problem.value) == problem.value.message


@pytest.mark.parametrize(
    ("body", "pointer", "key"),
    [
        (b'{"a": 1, "a": 2}', "/", "a"),
        (b'{"groups": [{"groupName": "x", "groupName": "y"}]}', "/groups/0", "groupName"),
        (b'{"x/y": {"m~n": {"k": 1, "k": 2}}}', "/x~1y/m~0n", "k"),
        (b'[{"ok": 1}, {"b": {"c": 1, "c": 1}}]', "/1/b", "c"),
    ],
)
def test_a_duplicate_key_is_named_with_its_pointer(body: bytes, pointer: str, key: str) -> None:
    with pytest.raises(BodyProblem) as problem:
        parse_json(body)
    assert f"at {pointer} has the key {key!r} more than once" in problem.value.message


def test_nesting_is_allowed_up_to_the_limit_and_refused_past_it() -> None:
    at_limit = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    value = parse_json(at_limit)
    assert isinstance(value, list)
    past = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(BodyProblem, match=f"deeper than {MAX_JSON_DEPTH} levels"):
        parse_json(past)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = "[" * (MAX_JSON_DEPTH + 50)
    body = json.dumps({"a": text, "b": ["\\", '"[[[', text], "c": [[["deep"]]]}).encode()
    assert parse_json(body) == json.loads(body)


def test_escaped_quotes_and_backslashes_do_not_confuse_the_depth_count() -> None:
    inner = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    body = ('["\\\\", "\\"", ' + inner + "]").encode()
    with pytest.raises(BodyProblem, match="deeper"):
        parse_json(body)


def test_surrogate_pairs_and_escapes_that_are_fine_stay_fine() -> None:
    assert parse_json(b'["\\ud83d\\ude00", "\\/", "\\u00e9"]') == ["\U0001f600", "/", "é"]


def test_a_truncated_body_is_never_parsed() -> None:
    with pytest.raises(BodyProblem, match="larger than the size limit and was cut after 9 bytes"):
        parse_json(b'{"a": []}', truncated=True)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
def test_any_json_value_round_trips(value: object) -> None:
    assert parse_json(json.dumps(value).encode()) == value


def _outcome(parse: Callable[[bytes], object], body: bytes) -> str:
    """``parsed``, or the BodyProblem's message; any other exception fails the test."""
    try:
        parse(body)
    except BodyProblem as problem:
        return problem.message
    return "parsed"


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_give_a_body_problem(body: bytes) -> None:
    assert _outcome(parse_json, body)


@given(st.text(alphabet='{}[]",:0123456789.eE+-tfnul\\ ', max_size=60))
def test_json_like_noise_parses_or_gives_a_body_problem(text: str) -> None:
    assert _outcome(parse_json, text.encode())


# --- XML ------------------------------------------------------------------------------------


def test_an_ordinary_xml_body_parses() -> None:
    body = f'<groupInformation xmlns="{NS}"><groups><group><groupId>1</groupId></group></groups></groupInformation>'
    root = parse_xml(body.encode())
    assert root.tag == f"{{{NS}}}groupInformation"
    assert root.findtext(f"{{{NS}}}groups/{{{NS}}}group/{{{NS}}}groupId") == "1"


def test_processing_instructions_are_dropped() -> None:
    root = parse_xml(b'<?xml version="1.0"?><r><?php echo 1; ?><a>1</a></r>')
    assert [child.tag for child in root] == ["a"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (b"<a><b></a>", "not well-formed XML: Opening and ending tag mismatch: b line 1 and a"),
        (b"<a>\n  <b>\n</a>", "(line 3, column"),
        (b"<a>text", "not well-formed"),
        (b"<a/><b/>", "Extra content"),
        (b"<a>" * 100_000 + b"</a>" * 100_000, "nests deeper than libxml2's limit of 256"),
        (b"\xff\xfe<\x00a\x00/\x00>\x00<", "not well-formed"),
    ],
)
def test_unreadable_xml_is_one_clear_sentence(body: bytes, says: str) -> None:
    with pytest.raises(BodyProblem) as problem:
        parse_xml(body)
    assert says in problem.value.message


def test_a_truncated_xml_body_is_never_parsed() -> None:
    with pytest.raises(BodyProblem, match="cut after 4 bytes"):
        parse_xml(b"<a/>", truncated=True)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)
    )
    + "]><lolz>&lol9;</lolz>"
).encode()


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        b'<!DOCTYPE r [<!ENTITY a "' + b"a" * 50_000 + b'">]><r>' + b"&a;" * 10_000 + b"</r>",
        b"<!DOCTYPE r><r/>",
        b"<!DOCTYPE r [<!ELEMENT r ANY>]><r/>",
        b'<!DOCTYPE r [<!ENTITY x "y">]><r>&undeclared;</r>',
    ],
    ids=["billion-laughs", "quadratic-blowup", "bare-doctype", "element-decl", "broken-dtd"],
)
def test_any_dtd_is_refused(body: bytes) -> None:
    with pytest.raises(BodyProblem, match="a DTD is not allowed"):
        parse_xml(body)


def test_entities_are_never_expanded_by_the_parser_itself() -> None:
    # Beneath the refusal: the configured parser keeps entity references as they are.
    # (libxml2 already rejects the full billion laughs at its declaration; three levels pass.)
    body = (
        b'<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;"><!ENTITY c "&b;&b;&b;">]><r>&c;</r>'
    )
    root = etree.fromstring(body, safe_parser())
    assert b"lollol" not in etree.tostring(root)
    assert b"&c;" in etree.tostring(root)


@pytest.fixture
def marker_file(tmp_path: Path) -> tuple[Path, str]:
    marker = "MARKER-f00dfeed"
    path = tmp_path / "secret.txt"
    path.write_text(marker, encoding="utf-8")
    return path, marker


def test_an_external_entity_naming_a_local_file_reads_nothing(
    marker_file: tuple[Path, str],
) -> None:
    path, marker = marker_file
    body = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{path.as_uri()}">]><r>&xxe;</r>'
    ).encode()
    with pytest.raises(BodyProblem, match="a DTD is not allowed") as problem:
        parse_xml(body)
    assert marker not in problem.value.message
    root = etree.fromstring(body, safe_parser())
    assert marker.encode() not in etree.tostring(root)


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "{uri}">]><r>&xxe;</r>',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "{uri}">%p;]><r/>',
        '<!DOCTYPE r SYSTEM "{uri}"><r/>',
    ],
    ids=["entity", "parameter-entity", "external-dtd"],
)
def test_a_local_file_is_never_even_opened(tmp_path: Path, template: str) -> None:
    # A FIFO blocks whoever opens it for reading until a writer comes: if libxml2 opened
    # it, the parse would hang, and a non-blocking writer open would find a reader.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    body = template.format(uri=fifo.as_uri()).encode()
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_outcome(parse_xml, body)), daemon=True)
    worker.start()
    worker.join(5)
    opened = worker.is_alive()
    if opened:  # release the parser before failing
        os.close(os.open(fifo, os.O_WRONLY))
        worker.join(5)
    assert not opened, "the parser opened the local file"
    with pytest.raises(OSError, match="No such device") as no_reader:
        os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    assert no_reader.value.errno == errno.ENXIO
    assert outcome == [
        "a DTD is not allowed: the body carries a <!DOCTYPE>; no entity was "
        "expanded and nothing it names was read"
    ]


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE r [<!ENTITY net SYSTEM "{url}/entity.xml">]><r>&net;</r>',
        '<!DOCTYPE r [<!ENTITY % dtd SYSTEM "{url}/evil.dtd">%dtd;]><r/>',
        '<!DOCTYPE r SYSTEM "{url}/r.dtd"><r/>',
        '<!DOCTYPE r PUBLIC "-//X//DTD X//EN" "{url}/public.dtd"><r/>',
        '<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="{url}/x.xml"/></r>',
    ],
    ids=["entity", "parameter-entity", "external-dtd", "public-dtd", "xinclude"],
)
def test_nothing_on_the_network_is_ever_contacted(template: str) -> None:
    sentinel = Sentinel()
    try:
        body = template.format(url=sentinel.url).encode()
        outcome = _outcome(parse_xml, body)
        assert "DTD is not allowed" in outcome or outcome == "parsed"
        assert sentinel.connections() == 0
    finally:
        sentinel.close()


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_give_a_body_problem_in_xml(body: bytes) -> None:
    assert _outcome(parse_xml, body)


@given(st.text(alphabet="<>/!?=\"'&;abc []DOCTYPEENTITYSYSTEM%", max_size=80))
def test_xml_like_noise_parses_or_gives_a_body_problem(text: str) -> None:
    assert _outcome(parse_xml, text.encode())
