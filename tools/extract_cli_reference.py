"""Extract every ``config ...`` table of the FortiADC 7.4.4 CLI Reference into data (issue 9, stage 1).

README: run ``.venv/bin/python tools/extract_cli_reference.py
../shared/reference/fortiadc-7.4.4/cli-reference.txt`` from the repository root. It writes
``adc/schema/reference/tables.json`` (``-o PATH`` elsewhere, ``-o -`` to stdout) and prints a summary;
``--check`` only compares what it would write with the committed file (exit 1 when they differ).

Why a tool and not hand-typing: the reference's 300-odd tables (nested ones included) and nearly 2,000
attributes are too many to copy by hand without slips, and a mechanical pass can be re-run and diffed
when the reference changes. The input is ``pdftotext -layout`` of the PDF, so the tool:

- strips the page furniture (footer ``FortiADC 7.4.4 CLI Reference  N``, ``Fortinet Inc.``, the running
  chapter title that starts each page after a form feed) and numbers each remaining line with the page
  it sits on (the number of the next footer), so that every fact can be cited as "CLI744 p. N";
- cuts the text into sections at the column-0 ``config ...`` headings (plus the VDOM appendix);
- reads every ``config``/``edit``/``set``/``next``/``end`` block that shows at least one placeholder
  (``<integer>``, ``{a|b}``, ``[a|b]``...) as syntax; blocks of concrete values are examples and skipped.
  Blocks are read by their keywords (several are flush left); indentation only settles where a nested
  table lost its ``end``. A section's own table is read first, then the blocks that show other tables
  (the antivirus pages add ``av-profile`` to the virtual server), so each table keeps its syntax order;
  the VDOM appendix's ``config global`` / ``config vdom`` wrappers become a ``vdom`` flag;
- reads the two-column description table after each block (attribute name, text spread over lines,
  ``l`` bullets), and the ``CLI specification`` / ``Visible condition`` tables a few DoS pages use;
- derives per attribute: value type from the placeholder, options, multi-valued, help (first sentence),
  default and range from the wording, the table a ``<datasource>`` names when the name or the text makes
  it unambiguous, and conditions (literal ``set type dns`` lines in a block, ``set type dns`` headings
  in the description table, "available if X is Y" in the text, the "Visible condition" column);
- keeps the first ``get`` transcript of an entry per table (``get_example``): a second witness for
  defaults, kept apart from what the text says;
- reads the node id of a table from the transcripts (``Add new entry 'x' for node N`` after an ``edit``,
  in the table the prompts are in): ``node_id`` and ``node_page``.

It is mechanical, not perfect: whatever it cannot read is listed under ``problems`` (with its page) in
the JSON and in the summary, for hand correction in the next stage. Standard library only, and fast
(about a second on the full reference).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "adc" / "schema" / "reference" / "tables.json"
SOURCE = "FortiADC 7.4.4 CLI Reference (pdftotext -layout), cited as CLI744 p. N"
FORMAT = 1

# ------------------------------------------------------------------------------------ page furniture
FOOTER = re.compile(r"^\s*FortiADC 7\.4\.4 CLI Reference(?:\s+(\d+))?\s*$")
PUBLISHER = re.compile(r"^\s*Fortinet Inc\.\s*$")


@dataclass(frozen=True)
class Line:
    """One line of the reference that is not page furniture, with where it came from."""

    no: int  # 1-based line number in the input file
    page: int  # CLI744 page number
    text: str

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip(" "))

    @property
    def stripped(self) -> str:
        return self.text.strip()


def clean_lines(text: str) -> list[Line]:
    """The text without footers, publisher lines and running headers, each line with its page.

    A line's page is the number of the first numbered footer at or after it (so an excerpt that
    keeps its footers numbers itself); lines after the last footer are on the following page.
    Running headers are the first line of each page, which pdftotext starts with a form feed.
    """
    raw = text.split("\n")
    pages: list[int] = [0] * len(raw)
    nxt = 0
    last = 0
    for i in range(len(raw) - 1, -1, -1):
        m = FOOTER.match(raw[i].replace("\f", ""))
        if m and m.group(1):
            nxt = int(m.group(1))
            last = last or nxt
        pages[i] = nxt
    out: list[Line] = []
    for i, t in enumerate(raw):
        if "\f" in t:
            continue  # running header (chapter title) or a footer at the top of an empty page
        if FOOTER.match(t) or PUBLISHER.match(t):
            continue
        out.append(Line(i + 1, pages[i] or last + 1, t.rstrip()))
    return out


# ------------------------------------------------------------------------------------------ output
@dataclass
class Problem:
    """Something the tool could not read as it should: for the hand corrections of the next stage."""

    page: int
    where: str  # the table (its path words) or the section title
    kind: str  # a fixed phrase, so that problems can be counted by kind
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"page": self.page, "where": self.where, "kind": self.kind, "detail": self.detail}


@dataclass
class Desc:
    """One description-table row (or spec-table row) for an attribute."""

    text: list[str]
    page: int
    when: dict[str, str]


@dataclass
class Attr:
    name: str
    page: int
    line: int
    syntax: str  # the whole ``set`` line, continuation lines joined
    placeholder: str  # what follows the name in the syntax
    type: str
    options: list[str] = field(default_factory=list)
    option_help: dict[str, str] = field(default_factory=dict)
    multi: bool = False
    multi_via: str = ""
    literal: str = ""
    contexts: list[dict[str, str]] = field(default_factory=list)  # conditions of each syntax occurrence
    descs: list[Desc] = field(default_factory=list)
    spec: dict[str, str] = field(default_factory=dict)  # a CLI specification row, when one exists
    visible: str = ""  # the "Visible condition" cell, when one exists
    ref: str | None = None
    ref_via: str = ""
    range_text: str = ""  # a range written in the placeholder (<1-65535>)
    notes: list[str] = field(default_factory=list)
    # derived by finish_attr() once every block and description has been read
    help: str = ""
    default: str | None = None
    range: tuple[int, int] | None = None
    required: bool | None = None
    when: dict[str, list[str]] = field(default_factory=dict)
    when_via: str = ""


@dataclass
class Table:
    path: tuple[str, ...]
    page: int
    line: int
    section: str = ""
    section_page: int = 0
    help: str = ""
    kind: str = "single"  # "table" once an ``edit`` is seen
    key: str | None = None
    key_raw: str = ""
    key_help: str = ""
    vdom: str | None = None  # "global" / "vdom": only reachable inside that wrapper in VDOM mode
    attrs: list[Attr] = field(default_factory=list)
    tables: list["Table"] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # every page a syntax block of it starts on
    readonly: bool = False
    deprecated: bool = False
    no_syntax: bool = False
    notes: list[str] = field(default_factory=list)
    get_example: dict[str, Any] = field(default_factory=dict)  # the first ``get`` transcript of an entry
    node: tuple[int, int] | None = None  # (node id, page) from the first "Add new entry 'x' for node N"

    @property
    def dotted(self) -> str:
        return " ".join(self.path)

    def walk(self) -> Iterator["Table"]:
        yield self
        for t in self.tables:
            yield from t.walk()

    def child(self, name: str) -> "Table | None":
        for t in self.tables:
            if t.path[-1] == name:
                return t
        return None

    def find_attrs(self, name: str) -> list[Attr]:
        return [a for a in self.attrs if a.name == name]


# ---------------------------------------------------------------------------------------- sections
HEADING = re.compile(r"^config\s+\S")
OTHER_CHAPTER = re.compile(r"^(diagnose|execute|get|show)$|^Appendix\b")
APPENDIX = re.compile(r"^Appendix\b")


@dataclass
class Section:
    title: str
    lines: list[Line]
    page: int


def sections(lines: list[Line]) -> list[Section]:
    """Column-0 ``config`` headings, each up to the next heading; the appendix is a section too."""
    out: list[Section] = []
    cur: Section | None = None
    for ln in lines:
        t = ln.text
        if HEADING.match(t) or APPENDIX.match(t):
            cur = Section(t.strip(), [], ln.page)
            out.append(cur)
            continue
        if OTHER_CHAPTER.match(t):
            cur = None
            continue
        if cur is not None:
            cur.lines.append(ln)
    return out


# ------------------------------------------------------------------------------------------- blocks
BLOCK_START = re.compile(r"^(\s*)(config|configure)\s+(\S+(?: \S+)*)\s*$")  # a second column is a row
TOP_GROUPS = {"endpoint-control", "firewall", "global-dns-server", "global-load-balance", "link-load-balance",
              "load-balance", "log", "router", "security", "system", "user"}
COMMENT = re.compile(r"\s*(?://|#).*$")
EDIT = re.compile(r"^\s*edit(?:\s+(.*?))?\s*$")
SET = re.compile(r"^\s*set(?:\s+(\S+))?(?:\s+(.*?))?\s*$")
GETLINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s+:\s*(\S*)\s*$")
PLACEHOLDER = re.compile(r"<[^<>]*>|\{[^{}]*\}|\[[^\[\]]*\|[^\[\]]*\]")
MAX_BLOCK_INDENT = 12  # deeper ``config`` lines are quoted inside a description, not syntax


@dataclass
class Stmt:
    """One statement of a syntax block: config / edit / set / get-style / next / end."""

    verb: str
    arg: str
    name: str
    line: Line
    indent: int
    extra: list[Line] = field(default_factory=list)


@dataclass
class Block:
    start: int  # index in the section's lines
    stop: int  # index after the last line read
    stmts: list[Stmt]
    closed: bool
    is_syntax: bool


def _balanced(s: str) -> bool:
    return s.count("{") <= s.count("}") and s.count("<") <= s.count(">") and s.count("[") <= s.count("]")


def read_block(lines: list[Line], i: int) -> Block:
    """The block whose ``config`` line is ``lines[i]``, read by its keywords, not its indentation
    (several blocks in the reference are flush left)."""
    stmts: list[Stmt] = []
    depth = 0
    j = i
    closed = False
    while j < len(lines):
        ln = lines[j]
        s = ln.stripped
        if not s:
            j += 1
            continue
        word = s.split()[0]
        if word in ("config", "configure") and (j == i or depth > 0):
            arg = COMMENT.sub("", s.split(None, 1)[1] if " " in s else "")
            if j > i and (not BLOCK_START.match(ln.text) or (
                    ln.indent <= lines[i].indent and len(arg.split()) > 1 and arg.split()[0] in TOP_GROUPS)):
                break  # a description row, or the next block after one that lacks its last ``end``
            stmts.append(Stmt("config", arg, "", ln, ln.indent))
            depth += 1
        elif word == "edit" and depth > 0:
            m = EDIT.match(COMMENT.sub("", s))
            stmts.append(Stmt("edit", (m.group(1) or "") if m else "", "", ln, ln.indent))
        elif word == "set" and depth > 0:
            m = SET.match(s)
            assert m
            stmts.append(Stmt("set", m.group(2) or "", m.group(1) or "", ln, ln.indent))
        elif word == "unset" and depth > 0:
            pass  # an ``unset`` line names an attribute a ``set`` line shows anyway
        elif word == "next" and depth > 0:
            stmts.append(Stmt("next", "", "", ln, ln.indent))
        elif word == "end" and depth > 0:
            stmts.append(Stmt("end", "", "", ln, ln.indent))
            depth -= 1
            if depth == 0:
                closed = True
                j += 1
                break
        elif depth > 0 and stmts and stmts[-1].verb == "set" and (
                not _balanced(stmts[-1].arg + " ".join(x.stripped for x in stmts[-1].extra))
                or ln.indent > stmts[-1].indent or stmts[-1].arg.rstrip().endswith("-")):
            stmts[-1].extra.append(ln)
        elif depth > 0 and GETLINE.match(s):
            m = GETLINE.match(s)
            assert m
            stmts.append(Stmt("get", m.group(2), m.group(1), ln, ln.indent))
        else:
            break
        j += 1
    text = " ".join(st.arg + " " + " ".join(x.stripped for x in st.extra) for st in stmts if st.verb in ("set", "edit"))
    is_syntax = bool(PLACEHOLDER.search(text)) or any(st.verb == "get" for st in stmts)
    return Block(i, j, stmts, closed, is_syntax)


def fix_path(words: tuple[str, ...], title: tuple[str, ...]) -> tuple[str, ...]:
    """The section title's path when a block's path is a misspelling of it (``real-sever-ssl-profile``)."""
    if words != title and len(words) == len(title) and all(
            w == t or _near(w, t) for w, t in zip(words, title)):
        return title
    return words


def block_path(blk: Block, title: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path a block opens (inside a ``config global`` wrapper); None for a lone nested table."""
    for st in blk.stmts:
        if st.verb != "config":
            break
        words = tuple(st.arg.split())
        if words in (("global",), ("vdom",)):
            continue
        return fix_path(words, title) if len(words) > 1 else None
    return None


def scan_blocks(lines: list[Line]) -> dict[int, Block]:
    """Every ``config`` block of a section, by the index of its first line."""
    out: dict[int, Block] = {}
    i = 0
    while i < len(lines):
        ln = lines[i]
        if BLOCK_START.match(ln.text) and ln.indent <= MAX_BLOCK_INDENT and " on page " not in ln.text:
            blk = read_block(lines, i)
            prev = next((x.stripped for x in reversed(lines[:i]) if x.stripped), "")
            blk.is_syntax = blk.is_syntax or prev == "Syntax"  # ``config system scripting`` alone
            out[i] = blk
            i = max(blk.stop, i + 1)
            continue
        i += 1
    return out


def joined(st: Stmt) -> str:
    """A statement's argument with its continuation lines: ``insert-if-`` + ``not-exist}`` joins tight."""
    out = st.arg
    for x in st.extra:
        piece = x.stripped
        if re.search(r"[A-Za-z0-9][-_]$", out):
            out += piece
        else:
            out += " " + piece
    return out


# ------------------------------------------------------------------------------------- value types
INT_WORDS = re.compile(r"^(integer|int|number|num|no\.?|numbers?|seconds?|size|value)$", re.I)
STRING_WORDS = re.compile(r"^(string|str|name|text)$", re.I)
IPV4_WORDS = {"ip", "ipv4", "class_ip", "classip", "ip address", "ipv4 address", "ip_address", "ip-address", "ipv4_address"}
IPV4MASK_WORDS = {"ip&netmask", "ipv4&netmask", "ipv4-netmask", "ip/netmask", "ip/mask", "ip_netmask", "ip-netmask",
                  "ipv4mask", "ip&mask", "ipv4/mask", "ip/prefix", "ipv4&mask"}
IPV6_WORDS = {"ipv6", "ip6", "class_ipv6", "ipv6 address", "ipv6_address"}
IPV6MASK_WORDS = {"ip6&netmask", "ipv6&netmask", "ipv6/prefix", "ipv6/mask", "ip6/netmask", "ipv6&prefix",
                  "ipv6mask", "ip6&mask", "ipv6_netmask", "ipv6-netmask", "ipv6/netmask"}
NUM = r"\d[\d,]*"


def _num(s: str) -> int:
    return int(s.replace(",", ""))


@dataclass
class Value:
    type: str
    options: list[str] = field(default_factory=list)
    multi: bool = False
    literal: str = ""
    range_text: str = ""
    notes: list[str] = field(default_factory=list)


PLACEHOLDER_WORDS = {"name", "id", "count", "duration", "field", "value", "string", "integer", "number"}


def _split_options(inner: str, notes: list[str]) -> tuple[list[str], bool]:
    """Options of ``{a | b | c}``; a list without any ``|`` is several values at once."""
    if "|" in inner:
        parts = [p.strip() for p in inner.split("|")]
        out: list[str] = []
        for p in parts:
            words = [w for w in re.split(r"[\s,]+", p) if w]
            if len(words) > 1:
                notes.append(f"options without '|': {' '.join(words)}")
            out.extend(words)
        return [o for o in out if o], False
    words = [w for w in re.split(r"[\s,]+", inner) if w and w not in ("...", "…")]
    return words, len(words) > 1


def classify(value: str) -> Value:
    """The value type of a syntax placeholder (what follows the attribute name)."""
    v = value.strip()
    notes: list[str] = []
    for mark in ("#", "//"):
        if mark in v:
            v, _, comment = v.partition(mark)
            v = v.strip()
            notes.append(f"comment in the syntax: {mark}{comment.strip()}")
    if not v:
        return Value("raw", notes=notes + ["no value in the syntax: "])
    v = v.translate(QUOTES)
    many = bool(re.search(r"\.\.\.|…", v))
    first = PLACEHOLDER.match(v)
    if first is None and v[0] in "{<[":
        # a bracket the layout broke: ``{include | exclude>``, ``<integer``, ``[url]``
        inner = v[1:].split("}")[0].split(">")[0].split("]")[0].strip().rstrip("|").strip()
        if v[0] == "[" and "|" not in inner and v.find("]") > 0:
            return classify(f"<{inner}>")
        notes.append(f"bracket not closed: {v}")
        sub = classify(("{%s}" if "|" in inner else "<%s>") % inner)
        sub.notes = notes + sub.notes
        return sub
    if first is None and re.fullmatch(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)+", v):
        return Value("option", v.split("/"), notes=notes)  # ``enable/disable``, ``low/medium/high``
    if first is None:
        # a literal value: ``set type standard``, ``set duration 600``, ``set http2https enable``
        word = v.split()[0].strip('"')
        if v.startswith('"'):
            return Value("string", literal=v.strip('"'), notes=notes)  # ``set description "***"``
        if re.fullmatch(r"-?\d+", word):
            return Value("integer", literal=word, notes=notes)
        if word in ("enable", "disable"):
            return Value("option", ["enable", "disable"], literal=word, notes=notes)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", word):
            return Value("raw", literal=word, notes=notes)  # ``set certificate-file cert.cer``: a value
        return Value("option", [word], literal=word, notes=notes)
    tok = first.group(0)
    rest = v[first.end():].strip()
    repeated = [m.group(0) for m in PLACEHOLDER.finditer(v)]
    if len(repeated) > 1 and len(set(repeated)) == 1:
        many = True
    if rest and not many and not (len(repeated) > 1):
        notes.append(f"text after the placeholder: {rest}")
    if (tok.startswith("{") or tok.startswith("[")) and "<" in tok and "|" in tok:
        # ``{alert|deny|block|<datasource>}``: keywords, or the name of an object
        words = [w.strip() for w in tok[1:-1].split("|")]
        notes.append("options or a reference: " + " ".join(w for w in words if w.startswith("<")))
        return Value("option", [w for w in words if w and not w.startswith("<")], many, notes=notes)
    if (tok.startswith("{") or tok.startswith("[")) and "<" in tok:
        inner_v = classify(tok[1:-1])  # ``{<datasource> ...}``: several of a kind
        inner_v.multi = inner_v.multi or many or "..." in tok or "…" in tok
        inner_v.notes = notes + inner_v.notes
        return inner_v
    inner = tok[1:-1].strip()
    if tok[0] in "{[" and "|" not in inner and (
            re.fullmatch(r"[a-z]+", inner) and inner in PLACEHOLDER_WORDS or re.search(r"\.\.\.|…", inner)):
        # ``{name}``, ``{id1 id2 ….}``: a placeholder written in braces (the IPS pages)
        sub = classify("<%s>" % re.split(r"\s", inner)[0].rstrip("0123456789"))
        sub.multi = sub.multi or bool(re.search(r"\.\.\.|…", inner))
        sub.notes = notes + sub.notes + ["placeholder written in braces"]
        return sub
    if tok.startswith("{") or tok.startswith("["):
        opts, multi = _split_options(tok[1:-1], notes)
        return Value("option", opts, multi or many, notes=notes)
    inner = tok[1:-1].strip()
    low = inner.lower()
    if "|" in inner:
        opts, multi = _split_options(inner, notes)
        return Value("option", opts, multi or many, notes=notes)
    parts = [p.strip() for p in inner.split("/")]
    if len(parts) > 1 and all(re.fullmatch(r"[A-Za-z0-9_.=-]+", p) for p in parts):
        return Value("option", parts, many, notes=notes)  # ``<enable/disable>``, ``<hard/easy>``
    m = re.fullmatch(rf"({NUM})\s*-\s*({NUM})", inner)
    if m:
        return Value("integer", multi=many, range_text=inner, notes=notes)
    if low == "datasource":
        return Value("datasource", multi=many, notes=notes)
    if low in ("password", "passwd"):
        return Value("password", multi=many, notes=notes)
    if INT_WORDS.match(low):
        return Value("integer", multi=many, notes=notes)
    if STRING_WORDS.match(low):
        return Value("string", multi=many, notes=notes)
    if low in IPV4_WORDS:
        return Value("ipv4", multi=many, notes=notes)
    if low in IPV4MASK_WORDS:
        return Value("ipv4mask", multi=many, notes=notes)
    if low in IPV6_WORDS:
        return Value("ipv6", multi=many, notes=notes)
    if low in IPV6MASK_WORDS:
        return Value("ipv6mask", multi=many, notes=notes)
    return Value("raw", multi=many, notes=notes)


def key_type(raw: str) -> str:
    """``edit <No.>`` / ``edit <id>`` / ``edit 1`` key entries by number; anything else by name."""
    r = raw.strip().strip('"')
    inner = r[1:-1].strip() if r.startswith("<") and ">" in r else r
    inner = inner.split(">")[0].lower()
    if re.fullmatch(r"\d+", inner) or re.fullmatch(
            r"no\.?|integer|int|number|num|id|index(_number)?|.*[-_ ]id|seq(uence)?(_num|[- ]number)?", inner):
        return "integer"
    return "name"


# ------------------------------------------------------------------------------------ descriptions
ROW = re.compile(r"^(\s*)([A-Za-z0-9][A-Za-z0-9_.+/:-]*(?: [a-z][A-Za-z0-9_-]*)?|<[^<>]+>)"
                 r"(?:\s+(?:<[^<>]*>|\{[^{}]*\}))?(?:\s{2,}(\S.*))?$")  # the name, maybe its placeholder
CONFIG_ROW = re.compile(r"^\s*config\s+(?:[A-Za-z0-9_-]+ )*([A-Za-z0-9_-]+)\s*(?:\s{2,}(\S.*))?$")
COND_HEADER = re.compile(r"^\s*set\s+([A-Za-z0-9_-]+)\s+([A-Za-z0-9_.-]+)\s*$")
SUBHEADINGS = {"syntax", "example", "examples", "example:", "see also", "before you begin:", "before you begin",
               "cli specification", "function description", "parameters"}
CONT_SLACK = 3


@dataclass
class Row:
    name: str
    text: list[str]
    page: int
    text_col: int
    when: dict[str, str]
    indent: int
    scope: str = ""  # the nested table a ``config X`` row of the description table opened


def read_rows(lines: list[Line], start: int, stop: int, known: set[str], strict: bool,
              nested: frozenset[str] = frozenset()) -> tuple[list[Row], int]:
    """Description rows in ``lines[start:stop]``: a name in the left column, its text in the right one
    (continued on deeper-indented lines). Stops at prose, a subheading or a block; returns where.
    ``strict``: away from a syntax block, only names the syntax knows start a row. A row naming a
    nested table (``config node-member``, or just ``node-member`` when ``nested`` lists it) opens its
    scope: the rows below describe that table."""
    rows: list[Row] = []
    cur: Row | None = None
    when: dict[str, str] = {}
    scope = ""
    lknown = {k.lower() for k in known}
    j = start
    while j < stop:
        ln = lines[j]
        s = ln.stripped
        if not s:
            j += 1
            continue
        col = cur.text_col if cur and cur.text_col else 16
        if cur is not None and ln.indent >= col - CONT_SLACK:
            cur.text.append(s)
            j += 1
            continue
        if s.lower() in SUBHEADINGS or s.lower().startswith("cli parameter") and "description" not in s.lower():
            break
        if s.lower().startswith("cli parameter"):
            j += 1
            continue
        m = COND_HEADER.match(ln.text)
        if m and ln.indent <= 12:
            when = {m.group(1): m.group(2)}
            cur = None
            j += 1
            continue
        if cur is not None and re.match(r"[{<][^{}<>]*[}>](\s|$)", s):
            # the name's placeholder wrapped under it: ``use-private-addr`` / ``{enable|disable}``
            rest = re.sub(r"^[{<][^{}<>]*[}>]\s*", "", s)
            if rest:
                cur.text.append(rest)
            j += 1
            continue
        if cur is not None and cur.name[-1:] in ("-", "_"):
            # a name wrapped over two lines: ``timeout_tcp_session_`` / ``after_FIN``
            first, _, rest = s.partition(" ")
            if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", first):
                cur.name += first
                if rest.strip():
                    cur.text.append(rest.strip())
                if cur.name.startswith("config ") or cur.name in nested:
                    scope = cur.scope = cur.name.split()[-1]
                j += 1
                continue
        m = CONFIG_ROW.match(ln.text)
        after = next((x.stripped for x in lines[j + 1:j + 8] if x.stripped), "")
        if m and ln.indent <= 12 and (m.group(2) or not re.match(r"(edit|set|config|next|end)\b", after)):
            # ``config node-member`` in the name column: the rows below describe that nested table
            scope = m.group(1)
            cur = Row("config " + scope, [m.group(2)] if m.group(2) else [], ln.page,
                      ln.text.index(m.group(2)) if m.group(2) else 0, dict(when), ln.indent, scope)
            rows.append(cur)
            j += 1
            continue
        m = ROW.match(ln.text)
        if m and ln.indent >= 2:  # column 0 holds headings (``Metric alert``), never a row
            name = m.group(2)
            ok = name.lower() in lknown or name.split(" ")[0] in known or name.startswith("<") or (
                name.startswith("set ") and not strict) or (not strict and name != "l" and (
                re.fullmatch(r"[a-z0-9][A-Za-z0-9_.+-]*(?: [a-z][a-z0-9-]*)?", name) is not None
                and (m.group(3) is not None or name.endswith(("-", "_")))))
            if ok and not name.endswith(":"):
                text = m.group(3)
                text_col = ln.text.index(text) if text else 0
                if name in nested and name not in known:
                    scope = name
                cur = Row(name, [text] if text else [], ln.page, text_col, dict(when), ln.indent, scope)
                rows.append(cur)
                j += 1
                continue
        break
    return rows, j


# -------------------------------------------------------------------------- CLI specification tables
SPEC_HEADER = re.compile(r"CLI Parameter\s+Help message\s+Type\s+Scope\s+Default\s+Must")
VISIBLE_HEADER = re.compile(r"^\s*CLI\s+Visible condition\b")


def _columns(header: str, labels: list[str]) -> list[int]:
    return [header.index(label) for label in labels]


def _cells(text: str, starts: list[int]) -> list[str]:
    """Split a layout line into columns: each run of text goes to the column it starts in."""
    out = [""] * len(starts)
    for m in re.finditer(r"\S+(?: \S+)*", text):
        col = 0
        for k, s in enumerate(starts):
            if m.start() >= s - 2:
                col = k
        out[col] = (out[col] + " " + m.group(0)).strip()
    return out


def _join_name(parts: list[str]) -> str:
    name = ""
    for p in parts:
        name = name + p if (not name or name.endswith(("-", "_"))) else name + " " + p
    return name


def read_grid(lines: list[Line], i: int, starts: list[int]) -> tuple[list[list[list[str]]], list[int], int]:
    """Rows of a layout table (separated by blank lines) from ``lines[i]``: for each row, each column's
    pieces; stops at a subheading or another table's header."""
    rows: list[list[list[str]]] = []
    pages: list[int] = []
    cur: list[list[str]] | None = None
    j = i
    while j < len(lines):
        ln = lines[j]
        s = ln.stripped
        if not s:
            cur = None
            j += 1
            continue
        if s.lower() in SUBHEADINGS or VISIBLE_HEADER.match(ln.text) or SPEC_HEADER.search(ln.text) \
                or s.startswith("CLI Parameter") or ln.indent < 3 or BLOCK_START.match(ln.text):
            break
        cells = _cells(ln.text, starts)
        if cur is None:
            if not cells[0]:
                if rows:  # a row continued over a page break
                    cur = rows[-1]
                else:
                    j += 1
                    continue
            else:
                cur = [[] for _ in starts]
                rows.append(cur)
                pages.append(ln.page)
        for k, c in enumerate(cells):
            if c:
                cur[k].append(c)
        j += 1
    return rows, pages, j


# --------------------------------------------------------------------------- text → help/default/range
BULLET = re.compile(r"^l\s+(.*)$")
BULLET_OPTION = re.compile(r"^[\"“]?([A-Za-z0-9_.+/-]+?)[\"”]?\s*(?:\(default\))?\s*(?:—|–|--|-\s|:)\s*(.*)$")
DEFAULT_RES = [
    re.compile(r"\b[Tt]he default(?: value| setting)?(?: is|:|=)\s+(?P<v>.+)"),
    re.compile(r"\bDefault(?: value)?(?: is|:|=)\s*(?P<v>.+)"),
    re.compile(r"\b[Dd]efaults to\s+(?P<v>.+)"),
    re.compile(r"\b[Tt]he default(?: [a-z-]+){1,3} is (?P<v>\d[\d,]*)"),  # "The default administrative distance is 10"
    re.compile(r"\b[Bb]y default,?\s+(?:it is |this is |this option is |the option is )?(?P<v>enabled|disabled)\b"),
    re.compile(r"\b(?P<v>[Ee]nabled?|[Dd]isabled?) by default"),
    re.compile(r"\bDefault\s+(?P<v>\d[\d,]*)"),
    re.compile(r"\b[Dd]efault:?\s+(?P<v>\d[\d,]*)\b"),
]
RANGE_RES = [
    re.compile(rf"[Rr]ange(?: is| of| value is)?:?\s*(?:from\s+)?(?:is\s+)?(?P<a>{NUM})\s*(?:to|-|–|~)\s*(?P<b>{NUM})"),
    re.compile(rf"\bbetween (?P<a>{NUM}) and (?P<b>{NUM})"),
    re.compile(rf"\b[Vv]alid values? (?:is|are|:) (?:from )?(?P<a>{NUM})\s*(?:to|-|–)\s*(?P<b>{NUM})"),
    re.compile(rf"\bfrom (?P<a>{NUM}) to (?P<b>{NUM})"),
    re.compile(rf"(?<![\w.:/-])(?P<a>{NUM})\s*(?:-|–|~)\s*(?P<b>{NUM})(?![\w.:/-])"),
]
SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)[.!?](?=\s+[A-Z(\"“]|\s*$)")
MULTI_TEXT = re.compile(r"space[- ]separated|separated by (?:a )?spaces?|select multiple|specify multiple|"
                        r"one or more|multiple [a-z ]*(?:can|may) be|"
                        r"up to (?:two|three|four|five|six|seven|eight|\d+) (?!characters|bytes|digits|seconds|"
                        r"minutes|hours|days)[a-z]", re.I)
QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def para(text: list[str]) -> str:
    """Lines of a description joined into one paragraph (hyphen breaks kept tight)."""
    out = ""
    for t in text:
        t = t.strip()
        if not out:
            out = t
        elif re.search(r"[A-Za-z0-9]-$", out):
            out += t
        else:
            out += " " + t
    return re.sub(r"\s+", " ", out).translate(QUOTES).strip()


def split_bullets(text: list[str]) -> tuple[list[str], list[str]]:
    """The lines before the first ``l`` bullet, and the bullets (each joined with its continuation)."""
    lead: list[str] = []
    bullets: list[list[str]] = []
    for t in text:
        m = BULLET.match(t.strip())
        if m:
            bullets.append([m.group(1)])
        elif bullets:
            bullets[-1].append(t)
        else:
            lead.append(t)
    return lead, [para(b) for b in bullets]


def first_sentence(text: str) -> str:
    m = SENTENCE_END.search(text)
    return text[: m.end()].strip() if m else text.strip()


def find_default(text: str, bullets: list[str]) -> str | None:
    for rx in DEFAULT_RES:
        m = rx.search(text)
        if m:
            v = m.group("v").strip()
            q = re.match(r"[\"']([^\"']*)[\"']", v)
            if q:
                return q.group(1)
            ip = re.match(r"[\d.]+\.\d+(?:/\d+)?|[0-9a-fA-F:]*::[0-9a-fA-F:]*(?:/\d+)?", v)
            num = re.match(NUM, v)
            if ip:
                return ip.group(0)
            v = num.group(0).rstrip(",") if num else re.split(r"[\s,;()]+", v)[0]
            v = v.rstrip(".:")
            if re.fullmatch(NUM, v):
                return str(_num(v))
            low = v.lower()
            if low in ("enabled", "enable", "on"):
                return "enable"
            if low in ("disabled", "disable", "off"):
                return "disable"
            if low in ("blank", "empty", "null"):
                return ""
            return v
    for b in bullets:
        if "(default)" in b:
            m = BULLET_OPTION.match(b)
            word = m.group(1) if m else b.split()[0]
            return word.strip('"')
    return None


def find_range(text: str, placeholder_range: str, integer: bool) -> tuple[int, int] | None:
    for k, rx in enumerate([re.compile(rf"(?P<a>{NUM})\s*-\s*(?P<b>{NUM})")] + RANGE_RES):
        src = placeholder_range if k == 0 else text
        if k == len(RANGE_RES) and not integer:
            break  # a bare "a-b" counts only for integers
        m = rx.search(src)
        if m:
            a, b = _num(m.group("a")), _num(m.group("b"))
            if a <= b:
                return (a, b)
    return None


# ---------------------------------------------------------------------------------------- extractor
GET_PROMPT = re.compile(r"#\s*get\s*(?:[a-z].*)?$")
PROMPT = re.compile(r"^\s*FortiADC-\S+ (?:\(([^()]*)\) )?#\s*(.*?)\s*$")
WRAPPERS = {("global",), ("vdom",)}
NEW_ENTRY = re.compile(r"^\s*Add new entry '([^']*)' for node (\d+)\s*$")
GET_VALUE = re.compile(r"^([A-Za-z][\w-]*)\s*:(?!:)\s?(.*)$")
CHAPTER_LIST = re.compile(r"^l\s+config\s+(.+?)(?:\s+on page\s+\d+)?\s*$")
CONFIG_MENTION = re.compile(r"\bconfig ((?:[a-z0-9_+]+(?:-[a-z0-9_+]*)*[ -]?){1,5})")


@dataclass
class Frame:
    table: Table | None  # None for a ``config global`` / ``config vdom`` wrapper
    entry: list[tuple[Attr, bool, Stmt]] = field(default_factory=list)  # (attr, literal?, statement)
    indent: int = 0  # of its ``config`` line
    edit_indent: int | None = None  # of its first ``edit`` line


class Extractor:
    """Everything read so far: the tables by path, in document order, and the problems met."""

    def __init__(self) -> None:
        self.tables: dict[tuple[str, ...], Table] = {}
        self.top: list[Table] = []
        self.problems: list[Problem] = []
        self.global_paths: set[tuple[str, ...]] = set()
        self.homes: set[tuple[str, ...]] = set()
        self.scanned: dict[str, dict[int, Block]] = {}
        self.home_of: dict[str, tuple[str, ...]] = {}

    def every(self) -> Iterator[Table]:
        for t in self.top:
            yield from t.walk()

    def problem(self, page: int, where: str, kind: str, detail: str = "") -> None:
        self.problems.append(Problem(page, where, kind, detail))

    # ----------------------------------------------------------------------------- tables
    def table(self, path: tuple[str, ...], parent: Table | None, st: Stmt, sec: Section) -> Table:
        if parent is None:
            t = self.tables.get(path)
            home = self.home_of.get(sec.title) == path
            if t is None:
                t = Table(path, st.line.page, st.line.no, section=sec.title, section_page=sec.page)
                self.tables[path] = t
                self.top.append(t)
            elif home and path not in self.homes:
                t.page, t.line, t.section, t.section_page = st.line.page, st.line.no, sec.title, sec.page
            if home:
                self.homes.add(path)
            return t
        c = parent.child(path[-1])
        if c is None:
            c = Table(path, st.line.page, st.line.no, section=sec.title, section_page=sec.page)
            parent.tables.append(c)
            parent.order.append("table:" + path[-1])
        return c

    def merge_attr(self, t: Table, st: Stmt) -> tuple[Attr, bool]:
        """The attribute a ``set`` line names, merged with an earlier one of the same name and kind."""
        value = joined(st)
        split = re.fullmatch(r"([a-z][a-z0-9]*)\s+([{<\[].*)", value)
        if split:
            # ``set connection-pool inherit {enable|disable}``: a name broken by a space
            self.problem(st.line.page, t.dotted, "attribute name broken by a space",
                         f"set {st.name} {value} read as {st.name}-{split.group(1)}")
            st.name, value = f"{st.name}-{split.group(1)}", split.group(2)
        v = classify(value)
        if v.type == "ipv4" and re.search(r"(^|[-_])ipv?6([-_]|$)|6$", st.name) and "class_ip" in value:
            v.type = "ipv6"  # ``set ip6 <class_ip>``: the reference's class_ip is either family
            v.notes.append("class_ip read as ipv6 for its name")
        syntax = f"set {st.name} {value}".strip()
        for a in t.find_attrs(st.name):
            same = a.type == v.type or {a.type, v.type} <= {"string", "datasource", "raw"} or (
                bool(v.literal) and a.type != "option")  # an example value of a typed attribute
            if same:
                if v.literal and a.type != "option":
                    return a, True
                for o in v.options:
                    if o not in a.options:
                        a.options.append(o)
                if v.multi and not a.multi:
                    a.multi, a.multi_via = True, "syntax"
                if syntax != a.syntax and syntax not in a.notes and a.type != "option":
                    a.notes.append(f"also written: {syntax} (p. {st.line.page})")
                return a, bool(v.literal)
        a = Attr(st.name, st.line.page, st.line.no, syntax, value, v.type, list(v.options), multi=v.multi,
                 multi_via="syntax" if v.multi else "", literal=v.literal, range_text=v.range_text,
                 notes=list(v.notes))
        if t.find_attrs(st.name):
            a.notes.append("a second attribute of this name with another value type")
        t.attrs.append(a)
        t.order.append("attr:" + st.name)
        return a, bool(v.literal)

    def close_entry(self, f: Frame) -> None:
        """Conditions of an entry's attributes: the literal ``set`` lines beside them (``set type dns``)."""
        lits = {a.name: w for a, lit, st in f.entry if lit and st.arg.strip()
                for w in [st.arg.strip().strip('"').split()[0]]
                if not re.fullmatch(r"-?\d+|enable|disable", w)}
        for a, lit, _ in f.entry:
            cond = {k: v for k, v in lits.items() if k != a.name}
            a.contexts.append({} if lit else cond)
        f.entry = []

    def apply_block(self, blk: Block, lines: list[Line], sec: Section) -> Table | None:
        """Merge one syntax block into the tables; returns the table it opens at its top."""
        stack: list[Frame] = []
        root: Table | None = None
        wrapper: str | None = None
        title_path = tuple(sec.title.split()[1:])
        sec_path = self.home_of.get(sec.title, title_path)
        base = blk.stmts[0].indent if blk.stmts else 0
        for st in blk.stmts:
            where = " ".join(root.path) if root else sec.title
            while (len(stack) > 1 and stack[-1].table is not None and stack[-2].table is not None
                   and stack[-1].indent > base and st.verb in ("set", "config")
                   and st.indent <= stack[-1].indent
                   and (stack[-1].edit_indent is None or st.indent < stack[-1].edit_indent)):
                # a nested table left without its ``end``: the indentation says where this line belongs
                left = stack.pop()
                self.close_entry(left)
                self.problem(st.line.page, left.table.dotted if left.table else where,
                             "nested table not closed by 'end'")
            if st.verb == "config":
                words = tuple(st.arg.split())
                if st.line.stripped.startswith("configure "):
                    self.problem(st.line.page, " ".join(words), "'configure' written for 'config'",
                                 st.line.stripped)
                if not stack and words in (("global",), ("vdom",)):
                    wrapper = words[0]
                    stack.append(Frame(None))
                    continue
                parent = next((f.table for f in reversed(stack) if f.table is not None), None)
                if parent is None and len(words) == 1 and len(sec_path) > 1 and words[0] != sec_path[0] \
                        and sec_path in self.tables:
                    parent = self.tables[sec_path]
                    self.problem(st.line.page, " ".join(sec_path), "block opens with a nested table", st.arg)
                if parent is None:
                    fixed = fix_path(words, title_path)
                    if fixed != words:
                        self.problem(st.line.page, " ".join(fixed), "path misspelt in the syntax",
                                     "config " + st.arg)
                        words = fixed
                elif len(words) > 1:
                    self.problem(st.line.page, " ".join(parent.path), "nested config with several words", st.arg)
                    plain = [w for w in words if not w.startswith("<")]
                    words = (plain[-1],) if plain else words[:1]
                path = words if parent is None else parent.path + words
                t = self.table(path, parent, st, sec)
                if st.line.page not in t.pages:
                    t.pages.append(st.line.page)
                if parent is None:
                    root = root or t
                    if wrapper:
                        t.vdom = wrapper
                stack.append(Frame(t, indent=st.indent))
            elif st.verb == "edit":
                f: Frame | None = stack[-1] if stack else None
                if f is None or f.table is None:
                    continue  # ``config vdom`` / ``edit <VDOM_name>``: the wrapper only
                self.close_entry(f)
                if f.edit_indent is None:
                    f.edit_indent = st.indent
                raw = st.arg.strip()
                m = re.match(r"<[^<>]*>|\"[^\"]*\"|\S+", raw)
                key_raw = m.group(0) if m else raw
                if raw != key_raw:
                    self.problem(st.line.page, f.table.dotted, "text after the edit key", raw)
                kt = key_type(key_raw)
                t = f.table
                if t.kind == "table" and t.key and t.key != kt and not key_raw.startswith('"'):
                    self.problem(st.line.page, t.dotted, "key written two ways", f"{t.key_raw} and {key_raw}")
                if t.kind != "table" or (not t.key_raw.startswith("<") and key_raw.startswith("<")):
                    t.kind, t.key, t.key_raw = "table", kt, key_raw
            elif st.verb in ("set", "get"):
                f = stack[-1] if stack else None
                if f is None or f.table is None:
                    self.problem(st.line.page, where, "set outside a table", st.line.stripped)
                    continue
                if not st.name:
                    self.problem(st.line.page, f.table.dotted, "'set' without an attribute name")
                    continue
                if st.verb == "get":
                    st.arg = "<integer>" if re.fullmatch(r"\d+", st.arg) else "<raw>"
                    a, lit = self.merge_attr(f.table, st)
                    a.spec.setdefault("default", st.line.stripped.split(":", 1)[1].strip())
                    a.notes.append("listed as 'name : value' (get output), not as a set line")
                else:
                    a, lit = self.merge_attr(f.table, st)
                for n in classify(joined(st)).notes:
                    if n.startswith(("options without", "text after", "comment", "no value", "bracket not")):
                        kind, _, detail = n.partition(": ")
                        self.problem(st.line.page, f.table.dotted, kind, f"{st.name}: {detail}")
                f.entry.append((a, lit, st))
            elif st.verb == "next":
                if stack and stack[-1].table is not None:
                    self.close_entry(stack[-1])
            elif st.verb == "end":
                if stack:
                    f = stack.pop()
                    if f.table is not None:
                        self.close_entry(f)
        for f in stack:
            if f.table is not None:
                self.close_entry(f)
        if not blk.closed and root is not None:
            self.problem(blk.stmts[0].line.page, root.dotted, "syntax block not closed by 'end'")
        return root

    # ----------------------------------------------------------------------------- descriptions
    def attach(self, rows: list[Row], roots: list[Table], recent: set[int]) -> None:
        """Give each description row to the attribute it names (fuzzily when the names differ).

        The rows after a block describe that block's table, or the section's own table when the
        block only showed where another table refers to it. Rows under a ``config X`` row prefer the
        nested table X, rows under ``set type X`` the attribute shown with that condition; a row
        naming the edit key or an option of the attribute above is taken as their help."""
        roots = list({id(r): r for r in roots}.values())
        root = roots[0]
        trees = [t for r in roots for t in r.walk()]
        last: Attr | None = None
        for row in rows:
            scope = next((t for t in trees if row.scope and t.path[-1] == row.scope), None)
            if row.name.startswith("config "):
                if scope is None:
                    self.problem(row.page, root.dotted, "description names a nested table the syntax lacks",
                                 row.name)
                elif row.text and not scope.help:
                    scope.help = first_sentence(para(row.text))
                continue
            keyed = [t for t in trees if t.key_raw and row.name in (
                t.key_raw.strip('<>"'), t.key_raw) or row.name.startswith("<")]
            if row.name.startswith("<") or (keyed and not any(a.name == row.name for t in trees for a in t.attrs)):
                t = scope or (keyed[0] if keyed else root)
                if row.text and not t.key_help:
                    t.key_help = first_sentence(para(row.text))
                continue
            if row.name.startswith("set "):
                row.name = row.name[4:].split(" ")[0]  # ``set type {static|dynamic}`` in the name column
            every = [(t, a) for t in trees for a in t.attrs]
            cands = [(t, a) for t, a in every if a.name == row.name]
            if not cands:  # ``Service`` for ``service``: capitals are the layout's, not a different name
                cands = [(t, a) for t, a in every if a.name.lower() == row.name.lower()]
            if not cands and " " in row.name:
                # ``port range`` for ``port-range``; ``apply-to admin-user``: a name and its value
                first, second = row.name.split(" ", 1)
                cands = [(t, a) for t, a in every if a.name == f"{first}-{second}"] or [
                    (t, a) for t, a in every if a.name == first and second in a.options]
            if not cands:
                nested = [t for t in trees if t.path[-1] == row.name]
                if nested:
                    nested[0].help = nested[0].help or first_sentence(para(row.text))
                    continue
                if last is not None and row.name in last.options:
                    last.option_help.setdefault(row.name, first_sentence(para(row.text)))
                    continue
                norm = _norm(row.name)
                cands = [(t, a) for t, a in every if _norm(a.name) == norm]
                if not cands:
                    close = [(t, a) for t, a in every if not a.descs and _near(a.name, row.name)]
                    if len(close) == 1:
                        cands = close
                if cands:
                    self.problem(row.page, cands[0][0].dotted, "description names the attribute otherwise",
                                 f"described '{row.name}', syntax '{cands[0][1].name}'")
                    cands[0][1].notes.append(f"described as '{row.name}'")
            if not cands:
                owner = scope or roots[-1]
                a = Attr(row.name, row.page, 0, "", "", "raw", notes=["only in the description table"])
                owner.attrs.append(a)
                owner.order.append("attr:" + row.name)
                self.problem(row.page, owner.dotted, "described but not in the syntax", row.name)
                cands = [(owner, a)]

            def score(ta: tuple[Table, Attr]) -> tuple[int, int, int, int]:
                t, a = ta
                return (0 if (row.when and row.when in a.contexts) else 1, 0 if t is scope else 1,
                        0 if id(a) in recent else 1, 1 if a.descs else 0)

            _, last = min(cands, key=score)
            last.descs.append(Desc(row.text, row.page, row.when))

    # ----------------------------------------------------------------------------- sections
    def section(self, sec: Section, next_title: str, phase: int) -> None:
        """Read a section's syntax blocks and description tables. Phase 1 reads the blocks of the
        section's own table, phase 2 those of other tables (a virtual server's ``av-profile`` shown in
        the antivirus section), so that each table's attributes come in its own syntax order."""
        lines = sec.lines
        title_path = tuple(sec.title.split()[1:])
        if sec.title not in self.scanned:
            self.scanned[sec.title] = scan_blocks(lines)
        blocks = self.scanned[sec.title]
        syntax = [b for b in blocks.values() if b.is_syntax]
        paths = [block_path(b, title_path) for b in syntax]
        home = title_path if title_path in paths or not syntax else (paths[0] or title_path)
        if APPENDIX.match(sec.title):
            home = ()  # the VDOM appendix only shows tables documented elsewhere (and ``system vdom``)
        elif home != title_path and phase == 1:
            self.problem(sec.page, sec.title, "section title differs from its syntax", "config " + " ".join(home))
        self.home_of[sec.title] = home
        root: Table | None = None
        sec_roots: list[Table] = []  # the tables this section's syntax blocks opened, latest first
        recent: set[int] = set()
        i = 0
        while i < len(lines):
            ln = lines[i]
            blk = blocks.get(i)
            if blk is not None:
                i = max(blk.stop, i + 1)
                if not blk.is_syntax and root is not None and block_path(blk, title_path) == root.path:
                    # an example of the same table between the syntax and its description table
                    hometab = self.tables.get(home)
                    trees = [tt for r in (root, hometab) if r for tt in r.walk()]
                    known = {a.name for tt in trees for a in tt.attrs}
                    rows, i = read_rows(lines, i, len(lines), known, strict=False,
                                        nested=frozenset(tt.path[-1] for tt in trees[1:]))
                    self.attach(rows, [root] + ([hometab] if hometab else []), recent)
                    continue
                if not blk.is_syntax or (block_path(blk, title_path) in (home, None)) != (phase == 1):
                    root = None
                    continue
                before = {id(a) for tt in self.every() for a in tt.attrs}
                root = self.apply_block(blk, lines, sec)
                if root is None:
                    continue
                recent = {id(a) for tt in root.walk() for a in tt.attrs} - before | {
                    id(a) for st in blk.stmts for tt in root.walk() for a in tt.find_attrs(st.name)}
                hometab = self.tables.get(home)
                trees = [tt for r in (root, hometab) if r for tt in r.walk()]
                known = {a.name for tt in trees for a in tt.attrs}
                nested = frozenset(tt.path[-1] for tt in trees[1:])
                rows, i = read_rows(lines, i, len(lines), known, strict=False, nested=nested)
                self.attach(rows, [root] + ([hometab] if hometab else []), recent)
                sec_roots = [root] + [r for r in sec_roots if r is not root]
                continue
            if SPEC_HEADER.search(ln.text) or VISIBLE_HEADER.match(ln.text):
                target = root or self.tables.get(home)
                if phase == 1 and target is not None:
                    i = self.spec_table(lines, i, target, sec)
                    continue
            elif sec_roots and ln.stripped:
                hometab = self.tables.get(home)
                roots = sec_roots + ([hometab] if hometab else [])
                trees = [tt for r in roots for tt in r.walk()]
                known = {a.name for tt in trees for a in tt.attrs}
                nested = frozenset(tt.path[-1] for r in roots for tt in list(r.walk())[1:])
                rows, j = read_rows(lines, i, len(lines), known, strict=True, nested=nested)
                if rows:
                    self.attach(rows, roots, recent)
                    i = j
                    continue
            i += 1
        if phase == 2:
            return
        hometab = self.tables.get(home)
        if hometab is not None:
            self.get_examples(lines, hometab)
        self.node_ids(lines, home)
        if sec.title == "config global":
            for ln in lines:
                m = CHAPTER_LIST.match(ln.stripped)
                if m:
                    self.global_paths.add(tuple(m.group(1).split()))
        text = " ".join(ln.stripped for ln in lines[:40])
        is_chapter = next_title.startswith(sec.title + " ") or "This chapter is a reference" in text
        if not syntax and not is_chapter and not sec.title.startswith("Appendix"):
            t = self.tables.get(home)
            if t is None:
                first = lines[0] if lines else Line(0, sec.page, "")
                t = Table(home, sec.page, first.no, section=sec.title, section_page=sec.page, no_syntax=True)
                self.tables[home] = t
                self.top.append(t)
                whole = " ".join(ln.stripped for ln in lines)
                t.readonly = "read-only" in whole[:200].lower()
                t.deprecated = "deprecated" in whole[:200].lower()
                t.kind = "table" if "== [" in whole else "single"
                self.problem(sec.page, sec.title, "no syntax block",
                             "deprecated" if t.deprecated else "read-only" if t.readonly else "")
            self.homes.add(home)
        t = self.tables.get(home)
        if t is not None and not t.help and t.section == sec.title:
            t.help = intro(lines)
            t.readonly = t.readonly or t.help.startswith("Read-only")

    def get_examples(self, lines: list[Line], home: Table) -> None:
        """The values of the first ``get`` of an entry in the section's examples, for the table of the
        section (or its nested table) whose attribute names they match best: what a fresh entry
        showed on the box the writers used, a second witness for defaults (kept apart from them)."""
        i = 0
        while i < len(lines):
            if not GET_PROMPT.search(lines[i].text):
                i += 1
                continue
            values: dict[str, str] = {}
            page = lines[i].page
            j = i + 1
            while j < len(lines):
                s = lines[j].stripped
                m = GET_VALUE.match(s)
                if not s:
                    j += 1
                    continue
                if not m:
                    break
                values.setdefault(m.group(1), m.group(2).strip())
                j += 1
            i = j
            if len(values) < 2:
                continue
            best = max(home.walk(), key=lambda t: len({a.name for a in t.attrs} & set(values)))
            if not best.get_example and {a.name for a in best.attrs} & set(values):
                best.get_example = {"page": page, "values": values}

    def find_table(self, path: tuple[str, ...]) -> Table | None:
        """A table or nested table by its path words."""
        return next((t for t in self.every() if t.path == path), None)

    def node_ids(self, lines: list[Line], home: tuple[str, ...]) -> None:
        """The node ids of the section's transcripts: ``Add new entry 'x' for node N`` after an ``edit``
        belongs to the table the prompts are in (``config a b`` at the top prompt opens it, ``config c``
        inside an entry opens a nested one, ``end`` closes one). A transcript that starts inside a table
        (``(policy) # edit lan_policy``) is in the section's own table. The first id of a table is kept;
        a different one later is a problem."""
        stack: list[tuple[str, ...]] = [home] if home else []
        for ln in lines:
            m = PROMPT.match(ln.text)
            if m:
                words = m.group(2).split()
                if not words:
                    continue
                if words[0] == "config" and len(words) > 1 and "?" not in m.group(2):
                    if m.group(1) is None or words[1] in TOP_GROUPS or (stack and stack[-1] in WRAPPERS):
                        stack = [tuple(words[1:])]  # from the top, or inside ``config global``
                    elif stack and stack[-1][-1] != words[-1]:  # (the same ``config`` typed twice)
                        stack.append(stack[-1] + tuple(words[1:]))
                elif words[0] == "end" and stack:
                    stack.pop()
                continue
            m = NEW_ENTRY.match(ln.text)
            if not m or not (stack or home):
                continue
            path = stack[-1] if stack else home
            t = self.find_table(path)
            node = int(m.group(2))
            if t is None:
                self.problem(ln.page, " ".join(path), "transcript names no table", f"node {node}")
            elif t.node is None:
                t.node = (node, ln.page)
            elif t.node[0] != node:
                self.problem(ln.page, t.dotted, "node id written two ways", f"{t.node[0]} and {node}")

    def spec_table(self, lines: list[Line], i: int, t: Table | None, sec: Section) -> int:
        """A ``CLI specification`` (type, scope, default, must) or ``Visible condition`` table."""
        header = lines[i].text
        visible = bool(VISIBLE_HEADER.match(header))
        if visible:
            starts = [lines[i].indent, header.index("Visible condition"), header.index("Special"),
                      header.index("Effective")]
            i += 1
            if i < len(lines) and lines[i].stripped.startswith("Parameter"):
                i += 1
        else:
            starts = _columns(header, ["CLI Parameter", "Help message", "Type", "Scope", "Default", "Must"])
            i += 1
        rows, pages, j = read_grid(lines, i, starts)
        if t is None:
            self.problem(lines[i - 1].page, sec.title, "specification table without a syntax block")
            return j
        for row, page in zip(rows, pages):
            name = _join_name(row[0])
            attrs = [a for tt in t.walk() for a in tt.attrs if a.name == name]
            if not attrs:
                self.problem(page, t.dotted, "specification row names no attribute", name)
                continue
            a = attrs[0]
            if visible:
                a.visible = " ".join(row[1])
            else:
                a.spec.update(help=" ".join(row[1]), type=" ".join(row[2]), scope=" ".join(row[3]),
                              default=" ".join(row[4]), must=" ".join(row[5]))
        return j

    # ----------------------------------------------------------------------------- the whole text
    def run(self, lines: list[Line]) -> None:
        secs = sections(lines)
        for phase in (1, 2):
            for k, sec in enumerate(secs):
                self.section(sec, secs[k + 1].title if k + 1 < len(secs) else "", phase)
        for t in self.top:
            if t.path in self.global_paths and t.vdom is None:
                t.vdom = "global"
        for t in self.top:
            for tt in t.walk():
                for a in tt.attrs:
                    finish_attr(a, tt, self)
        self.top.sort(key=lambda t: (t.page, t.line))


def _norm(name: str) -> str:
    return re.sub(r"[-_ ]", "", name.lower())


def _near(a: str, b: str) -> bool:
    """Edit distance at most 2 (typos such as ``ssl-miror-intf`` / ``ztna-profle``)."""
    a, b = a.lower(), b.lower()
    if abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 6:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2


def intro(lines: list[Line]) -> str:
    """The first sentence of a section: what the table is for."""
    buf: list[str] = []
    for ln in lines:
        if not ln.stripped:
            if buf:
                break
            continue
        if ln.stripped in ("Syntax", "Example") or BLOCK_START.match(ln.text):
            break
        buf.append(ln.stripped)
    return first_sentence(para(buf))


# ------------------------------------------------------------------------------ per-attribute facts
def merged_when(a: Attr) -> tuple[dict[str, list[str]], str]:
    """One condition from the contexts the reference shows an attribute in (syntax blocks with literal
    ``set`` lines, ``set type X`` headings in the description table), and where it came from. Every
    context must name the same attributes, and at most one of them may take several values (so that
    the union of values is still exact); an unconditional syntax occurrence with no description
    heading means no condition."""
    syn = [c for c in a.contexts if c]
    desc = [d.when for d in a.descs if d.when]
    if any(not c for c in a.contexts) and not desc:
        return {}, ""
    cands = syn + desc
    if not cands or len({tuple(sorted(c)) for c in cands}) != 1:
        return {}, ""
    keys = sorted(cands[0])
    out = {k: list(dict.fromkeys(c[k] for c in cands)) for k in keys}
    if sum(len(v) > 1 for v in out.values()) > 1:
        return {}, ""
    return out, "syntax" if syn else "description"


AVAILABLE = re.compile(r"[Aa]vailable (?:only )?(?:if|when) (?P<conds>.*?)(?:\.(?:\s|$)|$|;|\))")
COND = re.compile(r"(?:the )?([A-Za-z][A-Za-z0-9_-]*) (?:is|=) (?:set to )?"
                  r"([A-Za-z0-9_.+-]+(?:(?:,| or|, or) [A-Za-z0-9_.+-]+)*)")


def text_when(text: str, t: Table) -> dict[str, list[str]]:
    """``The X option is available if type is ip or fqdn and status is enabled`` -> a condition on
    attributes of the same table (anything else in the sentence is ignored)."""
    m = AVAILABLE.search(text)
    if not m:
        return {}
    names = {a.name for a in t.attrs}
    out: dict[str, list[str]] = {}
    for part in re.split(r"\s+and\s+", m.group("conds")):
        c = COND.fullmatch(part.strip())
        if not c or c.group(1) not in names:
            continue
        vals = [v for v in re.split(r",\s*or\s+|,\s*|\s+or\s+", c.group(2)) if v]
        out[c.group(1)] = [{"enabled": "enable", "disabled": "disable"}.get(v, v) for v in vals]
    return out


def finish_attr(a: Attr, t: Table, ex: Extractor) -> None:
    """Help, default, range, option help and multi from the description text (the first one read)."""
    text = a.descs[0].text if a.descs else []
    lead, bullets = split_bullets(text)
    cut = next((k for k, x in enumerate(lead) if k and re.match(r"(Note|Tip|Example|Caution)\b", x)), len(lead))
    lead = lead[:cut]  # ``IPv4 or IPv6`` / ``Note: ...``: a note starts a paragraph of its own
    full = para(text)
    a_help = first_sentence(para(lead)) if lead else ""
    a.help = a_help
    for b in bullets:
        m = BULLET_OPTION.match(b)
        if m:
            word = m.group(1)
            hit = next((o for o in a.options if o == word or o.lower() == word.lower()), None)
            if hit and hit not in a.option_help:
                a.option_help[hit] = first_sentence(m.group(2).strip())
    full = re.sub(r"(\d),\s(\d{3})\b", r"\1,\2", full)  # ``65, 536``: a number broken by the layout
    default = find_default(full, bullets)
    spec = a.spec
    if default is None and spec.get("default") not in (None, "", "N/A"):
        default = spec["default"]
    if default is not None and a.options:
        hit = next((o for o in a.options if o.lower() == default.lower()), None)
        if hit is None and default.lower() in ("enabled", "disabled"):
            hit = default.lower()[:-1]
        default = hit if hit is not None else default
        if hit is None:
            a.notes.append(f"default '{default}' is not one of the options")
    a.default = default
    integer = a.type == "integer" or spec.get("type", "").lower() == "integer"
    rng = find_range(full + " " + spec.get("scope", ""), a.range_text, integer)
    a.range = rng
    if rng and default is not None and re.fullmatch(r"\d+", default) and not rng[0] <= int(default) <= rng[1]:
        ex.problem(a.descs[0].page if a.descs else a.page, t.dotted, "default outside the range",
                   f"{a.name}: default {default}, range {rng[0]}-{rng[1]}")
    if not a.multi and (MULTI_TEXT.search(full) and a.type in ("option", "datasource", "string", "raw")):
        a.multi, a.multi_via = True, "text"
    if not a.options and spec.get("type", "").lower() == "choice" and spec.get("scope"):
        a.options = spec["scope"].replace("block- period", "block-period").split()
        a.notes.append("options from the CLI specification table")
    if spec.get("must"):
        a.required = spec["must"].lower().startswith("y")
    when, via = merged_when(a)
    vis = re.fullmatch(r"\s*([A-Za-z0-9_-]+)\s*==\s*([A-Za-z0-9_.-]+)\s*", a.visible)
    if vis and not when:
        when, via = {vis.group(1): [vis.group(2)]}, "specification"
    if not when:
        when = text_when(full, t)
        via = "text" if when else ""
    a.when, a.when_via = when, via
    if a.type == "raw" and a.placeholder:
        ex.problem(a.page, t.dotted, "value type unknown", f"{a.name} {a.placeholder}")


REF_SUFFIXES = ("-list", "_list", "-name", "-object", "-obj", "-server", "-id", "_id")
REF_PREFIXES = ("in-", "out-", "source-", "destination-", "src-", "dst-")
GENERIC = {"type", "mode", "list", "id", "name", "status", "profile", "group", "file", "rule", "set", "member"}


def ref_names(name: str) -> list[str]:
    """The table names an attribute name may stand for, most literal first: ``load-balance-pool``,
    ``content-routing-list`` -> ``content-routing``, ``in-interface`` -> ``interface``,
    ``ldap-server`` -> ``ldap``, ``destination-addrgrp`` -> ``addrgrp``."""
    out = [name]
    for suf in REF_SUFFIXES:
        if name.endswith(suf):
            out.append(name[: -len(suf)])
    for n in list(out):
        for pre in REF_PREFIXES:
            if n.startswith(pre):
                out.append(n[len(pre):])
    return list(dict.fromkeys(out))


def last_word(name: str) -> str | None:
    """The last word of a name (``dns-over-tls-listen-on-interface`` -> ``interface``): a weaker hint,
    taken only for a table of the same group, or for ``interface``."""
    last = re.split(r"[-_]", ref_names(name)[-1])[-1]
    return last if last != name and len(last) >= 4 and last not in GENERIC else None


def resolve_refs(ex: Extractor) -> None:
    """The table each ``<datasource>`` names, where its name or its text leaves no doubt."""
    by_last: dict[str, list[Table]] = {}
    by_dashed: dict[str, Table] = {}
    for t in ex.top:
        by_last.setdefault(t.path[-1], []).append(t)
        by_dashed["-".join(t.path)] = t

    def pick(cands: list[Table], owner: Table) -> Table | None:
        if len(cands) == 1:
            return cands[0]
        same = [c for c in cands if c.path[0] == owner.path[0]]
        return same[0] if len(same) == 1 else None

    for top in ex.top:
        for t in top.walk():
            for a in t.attrs:
                if a.type != "datasource":
                    continue
                names = ref_names(a.name)
                hit: Table | None = None
                for n in names:
                    if n in by_dashed:
                        hit = by_dashed[n]
                        break
                    tail = [t for d, t in by_dashed.items() if d.endswith("-" + n)]
                    if "-" in n and len(tail) == 1:  # ``waf-profile`` -> security waf profile
                        hit = tail[0]
                        break
                    if n in by_last and n not in GENERIC:
                        hit = pick(by_last[n], top)
                        if hit:
                            break
                lw = last_word(a.name)
                if hit is None and lw and lw in by_last:
                    hit = pick(by_last[lw], top)
                    if hit is not None and hit.path[0] != top.path[0] and lw != "interface":
                        hit = None
                if hit is not None:
                    a.ref, a.ref_via = " ".join(hit.path), "name"
                    continue
                text = para(a.descs[0].text) if a.descs else ""
                mentions = []
                for cm in CONFIG_MENTION.finditer(text):
                    words = cm.group(1).replace("- ", "-").split()
                    for k in range(len(words), 0, -1):
                        if tuple(words[:k]) in ex.tables:
                            mentions.append(ex.tables[tuple(words[:k])])
                            break
                mentions = list({id(x): x for x in mentions}.values())
                tokens = set(re.split(r"[-_]", a.name))
                if len(mentions) == 1 and tokens & set(re.split(r"[-_]", mentions[0].path[-1])):
                    a.ref, a.ref_via = " ".join(mentions[0].path), "text"
                    continue
                om = re.search(r"(?:an? |the )?((?:[A-Za-z0-9/-]+ ){0,3}[A-Za-z0-9/-]+) (?:configuration )?object",
                               first_sentence(text))
                if om:
                    words = [w.lower() for w in om.group(1).split()
                             if w.lower() not in ("a", "an", "the", "predefined", "user-defined", "or", "specify",
                                                  "select", "configuration")]
                    for k in range(len(words)):
                        key = "-".join(words[k:])
                        if key in GENERIC:
                            break
                        if key in by_last:
                            hit = pick(by_last[key], top)
                            if hit:
                                a.ref, a.ref_via = " ".join(hit.path), "text"
                            break
                if a.ref is None:
                    ex.problem(a.page, t.dotted, "reference not resolved", f"{a.name}: {a.help}".rstrip(": "))


# ---------------------------------------------------------------------------------------- JSON
def attr_json(a: Attr) -> dict[str, Any]:
    """An attribute as JSON: the same keys always, optional evidence only where there is some."""
    out: dict[str, Any] = {
        "name": a.name,
        "page": a.page,
        "syntax": a.syntax,
        "type": a.type,
        "placeholder": a.placeholder,
        "options": a.options,
        "multi": a.multi,
        "help": a.help,
        "default": a.default,
        "range": list(a.range) if a.range else None,
        "ref": a.ref,
    }
    if a.type == "datasource":
        out["ref_via"] = a.ref_via  # "name" or "text" when resolved
        out["ref_text"] = a.help  # what the reference says it names, resolved or not
    if a.multi:
        out["multi_via"] = a.multi_via
    if a.option_help:
        out["option_help"] = a.option_help
    if a.literal:
        out["literal"] = a.literal
    if a.when:
        out["when"] = a.when
        out["when_via"] = a.when_via
    if any(c for c in a.contexts):
        out["contexts"] = a.contexts
    if a.required is not None:
        out["required"] = a.required
    if a.spec:
        out["spec"] = a.spec
    if a.visible:
        out["visible"] = a.visible
    out["descriptions"] = [{"page": x.page, **({"when": x.when} if x.when else {}), "text": "\n".join(x.text)}
                           for x in a.descs]
    if a.notes:
        out["notes"] = a.notes
    return out


def table_json(t: Table, parent: Table | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": list(t.path),
        "page": t.page,
        "kind": t.kind,
        "key": t.key,
        "key_raw": t.key_raw or None,
        "key_help": t.key_help,
        "help": t.help,
        "section": t.section,
        "section_page": t.section_page,
    }
    if parent is not None:
        out["parent"] = list(parent.path)
    if t.vdom:
        out["vdom"] = t.vdom
    if len(t.pages) > 1:
        out["pages"] = t.pages
    for flag in ("readonly", "deprecated", "no_syntax"):
        if getattr(t, flag):
            out[flag] = True
    if t.notes:
        out["notes"] = t.notes
    if t.get_example:
        out["get_example"] = t.get_example
    if t.node is not None:
        out["node_id"], out["node_page"] = t.node
    out["order"] = t.order
    out["attrs"] = [attr_json(a) for a in t.attrs]
    out["tables"] = [table_json(c, t) for c in t.tables]
    return out


def summary(ex: Extractor) -> dict[str, int]:
    every = [t for top in ex.top for t in top.walk()]
    attrs = [a for t in every for a in t.attrs]
    ds = [a for a in attrs if a.type == "datasource"]
    return {
        "tables": len(every),
        "top_level_tables": len(ex.top),
        "nested_tables": len(every) - len(ex.top),
        "keyed_tables": sum(t.kind == "table" for t in every),
        "single_objects": sum(t.kind == "single" for t in every),
        "tables_without_syntax": sum(t.no_syntax for t in every),
        "attributes": len(attrs),
        "type_unknown": sum(a.type == "raw" for a in attrs),
        "only_described": sum(not a.syntax for a in attrs),
        "with_help": sum(bool(a.help) for a in attrs),
        "with_default": sum(a.default is not None for a in attrs),
        "with_range": sum(a.range is not None for a in attrs),
        "with_options": sum(bool(a.options) for a in attrs),
        "multi_valued": sum(a.multi for a in attrs),
        "conditional": sum(bool(a.when) for a in attrs),
        "without_description": sum(not a.descs for a in attrs),
        "references": len(ds),
        "references_resolved": sum(a.ref is not None for a in ds),
        "references_unresolved": sum(a.ref is None for a in ds),
        "with_node_id": sum(t.node is not None for t in every),
        "problems": len(ex.problems),
    }


def extract(text: str) -> dict[str, Any]:
    """The whole extraction: reference text in, the JSON-ready document out."""
    ex = Extractor()
    ex.run(clean_lines(text))
    resolve_refs(ex)
    ex.problems.sort(key=lambda p: (p.page, p.where, p.kind, p.detail))
    return {
        "format": FORMAT,
        "source": SOURCE,
        "generator": "tools/extract_cli_reference.py",
        "summary": summary(ex),
        "tables": [table_json(t) for t in ex.top],
        "problems": [p.as_json() for p in ex.problems],
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def print_summary(doc: dict[str, Any], out: Any = sys.stdout, top: int = 40) -> None:
    for k, v in doc["summary"].items():
        print(f"{k:>24}: {v}", file=out)
    kinds: dict[str, int] = {}
    for p in doc["problems"]:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    print("problems by kind:", file=out)
    for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{v:>6}  {k}", file=out)


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reference", type=Path, help="cli-reference.txt (pdftotext -layout of the CLI Reference)")
    ap.add_argument("-o", "--output", default=str(DEFAULT_OUT), help="where to write the JSON ('-' = stdout)")
    ap.add_argument("--check", action="store_true", help="compare with the output file instead of writing it")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary")
    args = ap.parse_args(list(argv) if argv is not None else None)
    t0 = time.monotonic()
    doc = extract(args.reference.read_text(encoding="utf-8"))
    text = dumps(doc)
    if args.check:
        same = Path(args.output).read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.output} differs from what the tool produces")
        return 0 if same else 1
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
    if not args.quiet:
        out = sys.stderr if args.output == "-" else sys.stdout
        print_summary(doc, out)
        print(f"{'seconds':>24}: {time.monotonic() - t0:.2f}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
