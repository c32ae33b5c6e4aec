"""The Example blocks of the FortiADC 7.4.4 CLI Reference as command scripts, mechanically.

Reads ``cli-reference.txt`` (the reference as text) and writes ``fixtures/reference-examples.json``: one
record per Example block of a ``config`` chapter that configures something, with its page, the section
it belongs to and the commands in order. Two shapes are read:

- transcripts (``FortiADC-VM (vs1) # set port 80``): the text after the prompt is the command; the lines
  without a prompt are the box's answers and are dropped;
- scripts (``config load-balance pool`` / ``edit p1`` / ``set ...`` / ``next`` / ``end``): every line whose
  first word is a command.

A command the PDF wrapped over two lines (a long ``set`` list) is joined again: a following line that is
not a command, not a prompt and more indented is its continuation (joined without a space after ``_`` or
``-``, which is where the PDF breaks names). Page headers and footers are skipped. ``execute`` and
``diagnose`` commands are kept (the test decides what to run).

Usage: python tools/extract_examples.py [cli-reference.txt] [out.json]
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = ROOT.parent.parent / "shared" / "reference" / "fortiadc-7.4.4" / "cli-reference.txt"
if not DEFAULT_SRC.exists():
    DEFAULT_SRC = Path("/work/shared/reference/fortiadc-7.4.4/cli-reference.txt")
DEFAULT_OUT = ROOT / "fixtures" / "reference-examples.json"

FOOTER = re.compile(r"^\s*FortiADC 7\.4\.4 CLI Reference\s+(\d+)\s*$")
CHAPTER = re.compile(r"^\s*(Fortinet Inc\.|config [a-z-]+|execute|get|diagnose|show)\s*$")  # page header lines
PROSE = re.compile(r"\b(the|is|are|on page|and|to|of|for|this)\b")
HEADING = re.compile(r"^(config|execute|get|diagnose|show)\s+\S")  # a section title, flush left
PROMPT = re.compile(r"^\s*[A-Za-z0-9_.-]+(?: \([^)]*\))? ?#\s?(.*)$")
COMMANDS = ("config", "edit", "set", "unset", "next", "end", "get", "show", "delete", "abort", "purge",
            "execute", "diagnose")
STOP = {"Syntax", "Example", "Examples", "Example:", "Before you begin:", "Before you begin", "Basic Steps",
        "See also", "Note:", "Predefined connection-pool"}


def is_command(text: str) -> bool:
    word = text.split(" ", 1)[0]
    return word in COMMANDS


def pages(lines: list[str]) -> list[int]:
    """The page of every line: the number of the next footer."""
    out = [0] * len(lines)
    page = 0
    for i in range(len(lines) - 1, -1, -1):
        m = FOOTER.match(lines[i])
        if m:
            page = int(m.group(1)) + 1  # lines after this footer are on the next page
            out[i] = page - 1
            continue
        out[i] = page - 1 if page else 0
    return out


def page_furniture(lines: list[str]) -> set[int]:
    """Indices of footers and of the header lines after them (``Fortinet Inc.``, the chapter's name)."""
    out: set[int] = set()
    for i, ln in enumerate(lines):
        if not FOOTER.match(ln):
            continue
        out.add(i)
        j, seen = i + 1, 0
        while j < len(lines) and seen < 2:
            if lines[j].strip():
                if not CHAPTER.match(lines[j]):
                    break
                out.add(j)
                seen += 1
            j += 1
    return out


def extract(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    page_of = pages(lines)
    furniture = page_furniture(lines)
    # the table of contents ends where the first chapter starts: skip it (its "Example" lines are entries)
    start = next(i for i, ln in enumerate(lines) if FOOTER.match(ln) and int(FOOTER.match(ln).group(1)) >= 25)  # type: ignore[union-attr]
    out: list[dict[str, Any]] = []
    section = ""
    i = start
    while i < len(lines):
        ln = lines[i]
        if HEADING.match(ln) and not ln.startswith(" "):
            section = ln.strip()
        if ln.strip() not in ("Example", "Examples", "Example:", "Examples:"):
            i += 1
            continue
        page = page_of[i]
        i += 1
        cmds: list[str] = []
        indents: list[int] = []
        transcript = False
        while i < len(lines):
            raw = lines[i]
            s = raw.strip()
            if not s or i in furniture:
                i += 1
                continue
            if (HEADING.match(raw) and not raw.startswith(" ")) or s in STOP:
                break
            m = PROMPT.match(raw)
            if m and ("#" in raw.split(" ", 3)[-1] or raw.strip().split()[0].endswith("#") or " # " in raw):
                transcript = True
                cmd = m.group(1).strip()
                if cmd:
                    cmds.append(cmd)
                    indents.append(len(raw) - len(raw.lstrip()))
            elif is_command(s) and not transcript:
                cmds.append(s)
                indents.append(len(raw) - len(raw.lstrip()))
            elif (cmds and not transcript and cmds[-1].startswith("set ") and len(raw) - len(raw.lstrip()) > indents[-1]
                  and not is_command(s)
                  and len(s.split()) <= 8 and not PROSE.search(s)):
                sep = "" if cmds[-1].endswith(("_", "-")) else " "
                cmds[-1] = cmds[-1] + sep + s
            i += 1
        if any(c.startswith("config ") for c in cmds):
            out.append({"page": page, "section": section, "kind": "transcript" if transcript else "script",
                        "commands": cmds})
    return out


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    dst = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    examples = extract(src.read_text("utf-8"))
    dst.write_text(json.dumps({"format": 1, "source": "FortiADC 7.4.4 CLI Reference", "examples": examples},
                              indent=1) + "\n", "utf-8")
    print(f"{len(examples)} examples, {sum(len(e['commands']) for e in examples)} commands -> {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
