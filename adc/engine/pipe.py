"""``<command> | grep [-i] [-v] <pattern>``: keep the output lines that match (FortiOS CLI filter).

The minimum automation relies on (netmiko's ``fortinet`` driver sends ``get system status | grep
Version`` on connect): a pattern (a regular expression, quoted when it holds spaces), ``-i`` to ignore
case, ``-v`` to keep the lines that do not match. Error text is never filtered. Sans-IO: the caller runs
the command and hands its output here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CommandFail
from .lexer import lex


@dataclass(frozen=True)
class LineFilter:
    pattern: re.Pattern[str]
    invert: bool = False

    def apply(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(l for l in lines if bool(self.pattern.search(l)) != self.invert)


def _bar(line: str) -> int:
    """Where the ``|`` outside quotes is, or -1."""
    quote = ""
    escaped = False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "|":
            return i
    return -1


def split_filter(line: str) -> tuple[str, LineFilter | None]:
    """The command and its ``| grep`` filter (None when there is none); a bad filter fails the line."""
    i = _bar(line)
    if i < 0:
        return line, None
    words = lex(line[i + 1:])
    if not words or words[0] != "grep":
        raise CommandFail(-61, "only '| grep [-i] [-v] <pattern>' may follow a command")
    flags = 0
    invert = False
    rest = words[1:]
    while rest and rest[0].startswith("-") and len(rest) > 1:
        for ch in rest.pop(0)[1:]:
            if ch == "i":
                flags |= re.IGNORECASE
            elif ch == "v":
                invert = True
            else:
                raise CommandFail(-61, f"grep: unknown option -{ch}")
    if len(rest) != 1:
        raise CommandFail(-61, "grep: one pattern expected")
    try:
        pattern = re.compile(rest[0], flags)
    except re.error as err:
        raise CommandFail(-61, f"grep: bad pattern: {err}") from None
    return line[:i], LineFilter(pattern, invert)
