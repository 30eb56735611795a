from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diglot.transport._redact import REDACTED, Redactor

TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLXBhcnQ"
PLAIN = "opaque-Token_1234567890"


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t,
        lambda t: urllib.parse.quote(t, safe=""),
        lambda t: json.dumps(t)[1:-1],
        lambda t: "".join(f"\\u{ord(c):04x}" for c in t),
        lambda t: "".join(f"&#{ord(c)};" for c in t),
        lambda t: t.encode().hex(),
        lambda t: t[::-1],
        lambda t: base64.b64encode(t.encode()).decode(),
        lambda t: base64.b64encode(f"Bearer {t}".encode()).decode(),
        lambda t: base64.b64encode(f'{{"echo": "{t}"}}'.encode()).decode(),
    ],
)
def test_every_encoding_of_the_token_is_scrubbed(encode):
    redactor = Redactor([PLAIN])
    body = f"before {encode(PLAIN)} after"
    assert PLAIN not in redactor.text(body)
    assert encode(PLAIN) not in redactor.text(body)
    assert encode(PLAIN).encode() not in redactor.bytes(body.encode())


@given(prefix=st.text(max_size=5), suffix=st.text(max_size=5))
def test_base64_at_any_offset(prefix, suffix):
    blob = base64.b64encode(f"{prefix}{PLAIN}{suffix}".encode()).decode()
    scrubbed = Redactor([PLAIN]).text(blob)
    assert REDACTED in scrubbed


def test_token_looking_values_are_scrubbed_without_knowing_them():
    redactor = Redactor()
    assert TOKEN not in redactor.text(f"token={TOKEN}")
    assert "abcdefgh12345678" not in redactor.text("Authorization: Bearer abcdefgh12345678")


def test_ordinary_text_is_left_alone():
    redactor = Redactor([PLAIN])
    assert redactor.text("groupName: Sales & Marketing") == "groupName: Sales & Marketing"
    assert Redactor([None, "", "abc"]).text("abc") == "abc"
