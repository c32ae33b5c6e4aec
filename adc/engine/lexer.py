"""Split a CLI line into words, as FortiADC does (CLI reference, "Tips & tricks").

Words are separated by spaces; a word may be quoted with ``"..."`` or ``'...'``, and ``\\`` escapes the
next character (``\\ `` for a space, ``\\"``, ``\\'``, ``\\\\``). ``lex_partial`` is the lenient form used
by ``?`` and Tab: it never fails and reports the word being typed at the cursor.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from ..errors import InputError

MAX_LINE = 16384


class LexError(InputError):
    """A line that cannot be split into words; ``lines()`` explains why in one line."""

    def lines(self) -> list[str]:
        return [str(self), "Command fail. CLI parsing error"]


@dataclass(frozen=True)
class Partial:
    """The words before the cursor and the word under it (``""`` after a space)."""

    words: tuple[str, ...]
    current: str
    quote: str = ""  # the open quote of the current word, if any


def too_long(size: int) -> LexError:
    """The refusal of a line (continuation lines included) of ``size`` > ``MAX_LINE`` characters."""
    return LexError(f"line too long ({size} characters, at most {MAX_LINE})")


def check_line(line: str) -> None:
    """Refuse what no command can mean: overlong lines, control characters, undecodable bytes."""
    if len(line) > MAX_LINE:
        raise too_long(len(line))
    for i, ch in enumerate(line):
        if ch == "\t":
            continue
        if "\ud800" <= ch <= "\udfff":
            raise LexError(f"invalid UTF-8 byte at column {i + 1}")
        if unicodedata.category(ch) in ("Cc", "Cf") :
            raise LexError(f"invalid control character {ch!r} at column {i + 1}")


def _scan(line: str) -> tuple[list[str], str | None, str, bool]:
    """Core scanner: (words, current word or None, open quote, ended-with-escape)."""
    words: list[str] = []
    cur: list[str] | None = None
    quote = ""
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if quote:
            if ch == "\\" and i + 1 < n and line[i + 1] in ("\\", '"', "'"):
                assert cur is not None
                cur.append(line[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
            else:
                assert cur is not None
                cur.append(ch)
            i += 1
            continue
        if ch in (" ", "\t"):
            if cur is not None:
                words.append("".join(cur))
                cur = None
            i += 1
            continue
        if cur is None:
            cur = []
        if ch == "\\":
            if i + 1 >= n:
                return words, "".join(cur), quote, True
            cur.append(line[i + 1])
            i += 2
            continue
        if ch in ('"', "'"):
            quote = ch
            i += 1
            continue
        cur.append(ch)
        i += 1
    return words, ("".join(cur) if cur is not None else None), quote, False


def lex(line: str) -> list[str]:
    """The words of a complete line; raises ``LexError`` on an unbalanced quote."""
    check_line(line)
    words, cur, quote, _ = _scan(line)
    if quote:
        raise LexError(f"unmatched {quote} in line")
    if cur is not None:
        words.append(cur)
    return words


# ``_scan``'s rules as one regular expression, for ``continues``: outside quotes a backslash takes the
# next character, whatever it is; inside quotes it escapes only a backslash or a quote and is kept as
# itself otherwise. Possessive quantifiers never backtrack, as the scanner never looks back, so a
# megabyte is decided at C speed.
_CONTINUED = re.compile(r"""(?:[^\\"']++|\\.|"(?:[^"\\]++|\\[\\"']|\\)*+"|'(?:[^'\\]++|\\[\\"']|\\)*+')*+\\""",
                        re.DOTALL)


def continues(line: str) -> bool:
    """True when the line ends with a lone ``\\`` outside quotes: the command goes on next line.

    The same answer as scanning the line (``_scan``), in time a long line (refused for its length, but
    still to be told continued or not) does not make noticeable.
    """
    return _CONTINUED.fullmatch(line) is not None


def lex_partial(text: str) -> Partial:
    """Words before the cursor, and the word being typed (never raises)."""
    words, cur, quote, _ = _scan(text)
    return Partial(tuple(words), cur or "", quote)


def quote_value(value: str) -> str:
    """A value as ``show`` prints it: bare when it is one plain word, else double-quoted."""
    if value and not any(c in value for c in ' \t"\'\\#?'):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def marks_outside_quotes(line: str, marks: str) -> Iterator[int]:
    """Indices of the characters of ``marks`` that stand outside quotes and are not escaped."""
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in ('"', "'"):
            quote = ch
        elif ch in marks:
            yield i
        i += 1


def help_mark(line: str) -> int | None:
    """Index of the first ``?`` outside quotes and not escaped: where a typed or pasted line asks for help."""
    return next(marks_outside_quotes(line, "?"), None)
