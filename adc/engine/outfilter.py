"""Output filters: ``<command> | grep [options] <pattern>`` on ``show``, ``get`` and ``diagnose`` (sans-IO).

FortiADC pipes a command's output through ``grep`` (CLI744 p. 626: ``show full-configuration | grep -f
port2`` "displays the configuration context containing port2"). The options are those of the grep of
the FortiOS family's CLI:

- ``-i`` ignore case, ``-v`` lines that do not match, ``-n`` number the lines, ``-c`` only the count,
- ``-A N`` / ``-B N`` / ``-C N`` lines of trailing / leading / both context,
- ``-f`` the configuration context: every match with the ``config``/``edit`` lines above it, the whole
  block (``edit`` ... ``next``, or ``config`` ... ``end`` of a single object) that holds it, and the
  closing lines; the matching lines are marked ``<---``.

The pattern is a regular expression (Python's ``re``, which agrees with grep's basic syntax on plain
text and ``. * ^ $ []``); a pattern that is not a valid one is taken as plain text. The filtered text is what the console pages with ``--More--``, so paging comes after the filter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import AdcError
from .lexer import marks_outside_quotes

GREP_USAGE = "Usage: grep [-invfcABC] PATTERN"
MARK = "  <---"


class FilterError(AdcError):
    """A ``| grep`` the filter cannot run: the usage line, then -61 as every bad execute argument."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def lines(self) -> list[str]:
        out = [self.reason] if self.reason != GREP_USAGE else []
        return out + [GREP_USAGE, "Command fail. Return code is -61"]


@dataclass(frozen=True)
class Grep:
    """One ``grep``; several in a row (``| grep -v set | grep port``) apply one after the other."""

    pattern: re.Pattern[str]
    invert: bool = False
    number: bool = False
    count: bool = False
    context: bool = False  # -f
    after: int = 0
    before: int = 0

    def apply(self, lines: list[str]) -> list[str]:
        hits = [bool(self.pattern.search(l)) != self.invert for l in lines]
        if self.count:
            return [str(sum(hits))]
        if self.context:
            return config_context(lines, hits)
        keep: set[int] = set()
        for i, hit in enumerate(hits):
            if hit:
                keep.update(range(max(0, i - self.before), min(len(lines), i + self.after + 1)))
        out = []
        last = -1
        for i in sorted(keep):
            if (self.before or self.after) and last >= 0 and i > last + 1:
                out.append("--")
            out.append(f"{i + 1}:{lines[i]}" if self.number and hits[i] else
                       f"{i + 1}-{lines[i]}" if self.number else lines[i])
            last = i
        return out


def split_pipes(line: str) -> list[str]:
    """The command, then the text of each filter: the line cut at every ``|`` outside quotes."""
    parts: list[str] = []
    start = 0
    for i in marks_outside_quotes(line, "|"):
        parts.append(line[start:i])
        start = i + 1
    return parts + [line[start:]]


def parse_grep(words: list[str]) -> Grep:
    """``grep [-invfcABC] PATTERN`` (options may be grouped: ``-iv``; ``-A 2`` or ``-A2``)."""
    if not words or words[0] != "grep":
        raise FilterError("only grep may follow '|'")
    flags = {"i": False, "v": False, "n": False, "c": False, "f": False}
    nums = {"A": 0, "B": 0, "C": 0}
    rest = words[1:]
    pattern: str | None = None
    while rest:
        w = rest.pop(0)
        if w == "--":
            if len(rest) != 1:
                raise FilterError(GREP_USAGE)
            pattern = rest.pop(0)
            break
        if not w.startswith("-") or w == "-":
            if pattern is not None or rest:
                raise FilterError(GREP_USAGE)
            pattern = w
            break
        j = 1
        while j < len(w):
            ch = w[j]
            if ch in flags:
                flags[ch] = True
                j += 1
                continue
            if ch in nums:
                value = w[j + 1:] or (rest.pop(0) if rest else "")
                if not value.isdigit():
                    raise FilterError(GREP_USAGE)
                nums[ch] = int(value)
                break
            raise FilterError(f"grep: invalid option -- '{ch}'")
    if pattern is None:
        raise FilterError(GREP_USAGE)
    try:
        compiled = re.compile(pattern, re.IGNORECASE if flags["i"] else 0)
    except re.error:  # grep's basic syntax takes ( ) { } + ? | as plain characters: so do we then
        compiled = re.compile(re.escape(pattern), re.IGNORECASE if flags["i"] else 0)
    return Grep(compiled, invert=flags["v"], number=flags["n"], count=flags["c"], context=flags["f"],
                after=max(nums["A"], nums["C"]), before=max(nums["B"], nums["C"]))


def _blocks(lines: list[str]) -> tuple[list[int], dict[int, int]]:
    """For each line, the index of the block header that holds it (-1 at the top), and each header's
    closing line (``next`` for ``edit``, ``end`` for ``config``)."""
    parent: list[int] = []
    close: dict[int, int] = {}
    stack: list[int] = []
    for i, line in enumerate(lines):
        word = line.strip().split(" ", 1)[0]
        if word in ("next", "end") and stack:
            top = stack[-1]
            opener = lines[top].strip().split(" ", 1)[0]
            if (word == "next") == (opener == "edit"):
                stack.pop()
                close[top] = i
                parent.append(top)
                continue
        parent.append(stack[-1] if stack else -1)
        if word in ("config", "edit"):
            stack.append(i)
    return parent, close


def config_context(lines: list[str], hits: list[bool]) -> list[str]:
    """``grep -f``: each match in its configuration context (see the module docstring)."""
    parent, close = _blocks(lines)
    keep: set[int] = set()
    for i, hit in enumerate(hits):
        if not hit:
            continue
        block = i if i in close else parent[i]  # a matching header shows its own block
        if block < 0:
            keep.add(i)
            continue
        keep.update(range(block, close.get(block, block) + 1))
        up = parent[block]
        while up >= 0:
            keep.add(up)
            if up in close:
                keep.add(close[up])
            up = parent[up]
    return [lines[i] + (MARK if hits[i] else "") for i in sorted(keep)]
