r"""Untrusted text made displayable: the one place where server text becomes safe to show.

The server under test is untrusted, and what it sends reaches diglot's terminal output, CI
logs, the four reports and the curl lines people paste. Every writer passes text through
here:

- ``inert(text)`` for anything shown as text (terminal, pytest messages, Markdown, HTML,
  JUnit): control characters (C0, DEL, C1), bidirectional and other invisible format
  characters (U+202E, zero-width spaces, tag characters), line and paragraph separators and
  lone surrogates become visible escapes (``\x1b``, ``\u202e``, ``\n``); a newline stays
  only where the caller lays out lines (``newlines=True``); CI workflow commands are
  neutralised (a line starting, after blanks, with ``::``, and ``##[`` / ``##vso[``
  anywhere); and the text is cut at ``limit`` characters, saying how much was cut.
- ``json_text(value)`` for JSON written out (report.json): the same characters become JSON
  ``\u`` escapes, so the data stays exact while the file holds none of them raw.
- ``shell_word(text)`` for one word of a shell line (curl lines, the reproduce command):
  quoted so that the line stays one line, runs nothing, and gives the command exactly
  ``text``.

Example:
    >>> inert("::add-mask::x\x1b]52;c;dG91Y2g=\x07")
    '\\x3a:add-mask::x\\x1b]52;c;dG91Y2g=\\x07'
    >>> shell_word("a b\n")
    "$'a b\\n'"

The escapes are for people: a backslash in the data is not doubled, so ``\x1b`` in the
output may also be those four characters as sent. report.json keeps the exact data.
"""

from __future__ import annotations

import json
import re

# Control characters (C0 but the newline, DEL, C1), every Unicode format character (bidi
# controls, zero-width spaces, word joiners, BOM, interlinear annotation, Egyptian and
# shorthand format controls, tag characters), line and paragraph separators, surrogates
# and the non-characters U+FFFE/U+FFFF. Categories Cc, Cf, Cs, Zl and Zp are a subset
# (tests/test_display.py checks it against the running Python's Unicode database).
_UNSAFE_CLASS = (
    "\x00-\x09\x0b-\x1f\x7f-\x9f\xad"
    "\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
_UNSAFE_OR_NEWLINE = re.compile(f"[\n{_UNSAFE_CLASS}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# CI workflow commands. GitHub's runner reads "::name::" at the start of a line after
# leading white space, and its older "##[name]" form anywhere in a line; Azure Pipelines
# reads "##vso[…]". The first character of each becomes an escape, so the line reads the
# same to a person and is no command to a runner.
_LINE_COMMAND = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)
_INLINE_COMMAND = re.compile(r"#(?=#[A-Za-z]*\[)")

_CUT = re.compile(r"… \((\d+) more characters\)\Z")


def escape(char: str) -> str:
    r"""The visible escape of one character: ``\n``, ``\x1b``, ``\u202e``, ``\U000e0041``."""
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def cap(text: str, limit: int | None) -> str:
    """Cut ``text`` at ``limit`` characters and say how many were cut.

    Idempotent: text already cut at ``limit`` comes back unchanged.
    """
    if limit is None or len(text) <= limit:
        return text
    cut = _CUT.search(text)
    if cut is not None and cut.start() <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def inert(text: str, *, limit: int | None = None, newlines: bool = False) -> str:
    r"""Untrusted ``text`` as text that is safe to print, log, or put in a report.

    Args:
        text: anything, as the server sent it.
        limit: cut it at this many characters first (the note says how many were cut).
        newlines: keep newlines (the caller lays out lines, e.g. a body excerpt or a
            finished multi-line message); otherwise a newline is shown as ``\n`` and the
            result is one line.

    Returns:
        The text with no raw control, bidi, invisible-format or separator character, no
        CI workflow command, and at most ``limit`` characters of the original.

    Example:
        >>> inert("exe.txt\u202e")
        'exe.txt\\u202e'
    """
    text = cap(text, limit)
    pattern = _UNSAFE if newlines else _UNSAFE_OR_NEWLINE
    text = pattern.sub(lambda match: escape(match.group()), text)
    text = _INLINE_COMMAND.sub(r"\\x23", text)
    return _LINE_COMMAND.sub(r"\1\\x3a", text)


def is_inert(text: str) -> bool:
    """Whether ``text`` (output with its layout newlines) holds nothing ``inert`` would change."""
    return inert(text, newlines=True) == text


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON spells characters past the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(value: object, *, indent: int | None = None) -> str:
    r"""``value`` as JSON text (UTF-8 friendly) holding no raw unsafe character.

    Unsafe characters inside strings become ``\uXXXX`` escapes and ``##[`` becomes
    ``\u0023#[``: the same data for any JSON reader, inert in a terminal or a CI log.
    Lone surrogates, which cannot be written as UTF-8, are escaped the same way.
    """
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    text = _UNSAFE.sub(_json_escape, text)
    return _INLINE_COMMAND.sub(r"\\u0023", text)


# -- shell words ----------------------------------------------------------------------------

_SHELL_PLAIN = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
# In $'…' a character outside this class is written as the \xHH escapes of its bytes.
_SHELL_RAW = re.compile(f"[^{_UNSAFE_CLASS}\n\\\\'!#]")


def _bytes_of(char: str) -> bytes:
    try:
        return char.encode("utf-8", "surrogateescape")  # an undecodable byte, as it came
    except UnicodeEncodeError:
        return char.encode("utf-8", "surrogatepass")  # a lone surrogate from JSON


def shell_word(text: str) -> str:
    r"""Quote ``text`` as one word for bash that is one line and gives the command ``text``.

    Plain text is single-quoted (POSIX). Text with a newline, a control or any other
    unsafe character is ANSI-C quoted (``$'…'``, bash, zsh, ksh) with every such character
    as ``\xHH`` escapes of its UTF-8 bytes (a byte that was not UTF-8, carried as a
    surrogate escape, comes back as that byte). ``##`` is split (``'#''#'``) so that no CI
    runner reads a workflow command in the line. A NUL cannot be in a word: bash ends the
    word there.

    Example:
        >>> shell_word("it's")
        "'it'\"'\"'s'"
    """
    if _SHELL_PLAIN.fullmatch(text):
        return text
    if _UNSAFE_OR_NEWLINE.search(text) is None:
        quoted = text.replace("'", "'\"'\"'")
        return "'" + re.sub(r"#(?=#)", "#''", quoted) + "'"
    out = []
    for char in text:
        if char == "'" or char == "\\":
            out.append("\\" + char)
        elif _SHELL_RAW.match(char):
            out.append(char)
        else:
            # "!" (history expansion when pasted), "#" (keeps "##" apart) and every unsafe
            # character, as bytes
            out.append("".join(f"\\x{byte:02x}" for byte in _bytes_of(char)))
    return "$'" + "".join(out) + "'"


def printf_bytes(data: bytes) -> str:
    r"""A bash ``printf`` format (one quoted word) that prints exactly ``data``, NULs included.

    Example:
        >>> printf_bytes(b"a\x00%")
        "'a\\x00%%'"
    """
    out = []
    for index, byte in enumerate(data):
        char = chr(byte)
        if char == "%":
            out.append("%%")
        elif char == "-" and index == 0:
            out.append("\\x2d")  # a format that starts with "-" would be read as an option
        elif 0x20 <= byte < 0x7F and char not in "\\'#!":
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "'" + "".join(out) + "'"
