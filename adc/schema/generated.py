"""Every table of the CLI Reference that the hand-written modules do not cover, built from the extraction.

``reference/tables.json`` (what ``tools/extract_cli_reference.py`` read in the FortiADC 7.4.4 CLI
Reference) is turned into ``Table``/``Attr`` objects by fixed rules, after the hand corrections of
``corrections.py`` (each with its CLI744 page and why). The hand-written tables of ``system.py`` and
``load_balance.py`` stay authoritative for the paths they cover: they carry what the data plane reads.

The rules, in the order they apply to one attribute:

- kind: ``<integer>`` is ``integer`` (the stated range, else ``INT_RANGE``), ``{a|b}`` is ``option``
  (several when the reference says so), ``<datasource>`` naming a modelled table is ``ref`` (else
  ``string``), the ip placeholders are the ip kinds, ``<password>`` is ``password``; a placeholder the
  extraction could not type is looked up in ``corrections.PLACEHOLDERS``, then by its name (secrets are
  passwords), else it is ``string``;
- a string holds at most the length the text states ("up to 35 characters"), else 255 for free text
  (comments, URLs, paths, patterns, certificate contents: ``FREE_TEXT``), else 63;
- a default the kind cannot hold is dropped (0 below an integer range widens the range instead: the
  reference's "0 = off" written with the range of the other values);
- a condition (``when``) is kept when it names an attribute of the same table and values it can take,
  and when it does not make a cycle; the others are dropped;
- a name written twice without conditions that tell the two apart keeps its first definition.

Whatever a rule changed or dropped is recorded as a ``Note`` (``BUILT.notes``), so ``docs/fidelity.md``
and the tests can count what was decided. Built once, at import.
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
import pickle
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import adc.schema.corrections as C
from .model import Attr, Kind, Option, Table
from .reference import RefAttr, RefTable, Reference

INT_RANGE = (0, 4294967295)  # an integer whose range the reference does not state
FIRST_NODE_ID = 20001  # allocated node ids: above every id a transcript shows (the highest is 4625)
FREE_TEXT = re.compile(r"comment|description|url|uri|path|pattern|regex|content|string|header-value|file|"
                       r"certificate|private-key|csr|message|text|body|sql|query|match|script|domain|fqdn|"
                       r"host|server|email|from|to$|token|secret|key", re.I)
SECRET = re.compile(r"password|passwd|secret|psk|auth-key|token", re.I)
WORD = re.compile(r"^[A-Za-z0-9_.:/+*@-]+$")
XSS = set("<>()#'\"")
PROSE_SELECTED = re.compile(r"\b[Ii]f (?:the )?([\w-]+) is (selected|enabled)\b")
MAXLEN_TEXT = re.compile(r"(?:up to|maximum(?: of)?|max(?:imum)? length(?: is)?|at most)\s+(\d+)\s+"
                         r"(?:characters|chars|bytes)", re.I)

KIND_OF_TYPE: dict[str, Kind] = {
    "integer": "integer", "string": "string", "ipv4": "ipv4", "ipv4mask": "ipv4mask", "ipv6": "ipv6",
    "ipv6mask": "ipv6mask", "password": "password", "option": "option",
}


@dataclass(frozen=True)
class Note:
    """One decision a rule made: where (table and attribute), what (a fixed phrase) and the detail."""

    where: str
    what: str
    detail: str = ""


@dataclass
class Built:
    tables: tuple[Table, ...]  # top-level generated tables, in the reference's order
    children: dict[tuple[str, ...], tuple[Table, ...]]  # nested tables added to hand-written tables
    notes: list[Note] = field(default_factory=list)


# -------------------------------------------------------------------------------------- helpers
def words_help(name: str) -> str:
    return re.sub(r"[-_]+", " ", name).strip() or name


INTRO = re.compile(r"^(?:Use (?:this|the) commands? (?:to|is used to)|This command (?:is used to|is used by)?)\s*"
                   r"(?:configure|set|create|define|specify|enable|add|edit|change|amend|manage|view|display|"
                   r"make|push/pull)?\s*(?:the |a |an |new )?(.*)$", re.I | re.S)
CLAUSE = re.compile(r"\s(?:that|which|so that|when|if|where)\s|[.;:]\s|\.$|, (?:and|or|which)\s")


def table_help(rt: RefTable) -> str:
    """What ``?`` shows for a table's path word: the object the reference's intro names ("Use this
    command to configure IPv4 address objects that ..." -> "IPv4 address objects"); the words of the
    table's name when the intro is about something else or the table is nested (its text describes
    its key)."""
    text = " ".join(rt.help.split())
    m = INTRO.match(text)
    if rt.parent is not None or not m or not m.group(1):
        return words_help(rt.path[-1])
    phrase = CLAUSE.split(m.group(1), maxsplit=1)[0].strip().rstrip(".")
    if not phrase or len(phrase) > 60:
        return words_help(rt.path[-1])
    first = phrase.split()[0]
    if first[:1].isupper() and first[1:].islower() and not (phrase.split()[1:2] and phrase.split()[1][:1].isupper()):
        phrase = phrase[0].lower() + phrase[1:]  # "Firewall policy rules": a word, not a name
    return phrase


def key_help(rt: RefTable, help_: str) -> str:
    """``edit ?``: the reference's words for the key when short, else "<table> name" / "No."."""
    text = CLAUSE.split(" ".join(rt.key_help.split()), maxsplit=1)[0].strip().rstrip(".")
    if text and len(text) <= 60:
        return text
    return f"{words_help(rt.path[-1])} {'No.' if rt.key == 'integer' else 'name'}"


def attr_help(ra: RefAttr) -> str:
    text = " ".join((ra.help or (ra.descriptions[0].text if ra.descriptions else "")).split())
    return text or words_help(ra.name)


def text_ok(value: str, maxlen: int) -> bool:
    return not (set(value) & XSS) and len(value.encode()) <= maxlen


def canonical(kind: Kind, word: str, options: tuple[Option, ...], rng: object, maxlen: int) -> str | None:
    """``word`` as ``get`` prints a value of this kind, or None when the kind cannot hold it."""
    if kind == "option":
        return word if word in {o.name for o in options} else None
    if kind == "integer":
        assert isinstance(rng, tuple)
        return word if word.isdigit() and rng[0] <= int(word) <= rng[1] else None
    try:
        if kind == "ipv4":
            return str(ipaddress.IPv4Address(word))
        if kind == "ipv6":
            return str(ipaddress.IPv6Address(word))
        if kind == "ipv4mask":
            return ipaddress.IPv4Interface(word).with_prefixlen
        if kind == "ipv6mask":
            return ipaddress.IPv6Interface(word).with_prefixlen
    except ValueError:
        return None
    if kind in ("string", "password", "ref"):
        bad = set(word) & XSS or word.lower() in ("null", "none", "n/a", "blank", "empty")
        return None if bad or len(word.encode()) > max(maxlen, 255) else word
    return None


# ------------------------------------------------------------------------------------- attributes
class _Builder:
    def __init__(self, ref: Reference, modelled: set[str], notes: list[Note],
                 predefined: set[tuple[str, str]]) -> None:
        self.ref = ref
        self.predefined = predefined  # (dotted table, key) of every factory entry
        self.modelled = modelled  # dotted paths of every top-level table of the schema
        self.notes = notes

    def note(self, where: str, what: str, detail: str = "") -> None:
        self.notes.append(Note(where, what, detail))

    def kind_of(self, dotted: str, ra: RefAttr) -> tuple[Kind, dict[str, object]]:
        """The kind of a reference attribute, with what the kind brings (ref target, options)."""
        where = f"{dotted}.{ra.name}"
        if ra.type in KIND_OF_TYPE:
            return KIND_OF_TYPE[ra.type], {}
        if ra.type == "datasource":
            return "ref", {"ref": ra.ref.replace(" ", ".") if ra.ref else None}
        ph = " ".join(ra.placeholder.split())
        if ph in C.PLACEHOLDERS:
            kind, extra = C.PLACEHOLDERS[ph]
            self.note(where, "placeholder typed by hand", f"{ph or '(none)'} -> {kind}")
            return kind, dict(extra)
        if SECRET.search(ra.name):
            self.note(where, "placeholder typed by its name", f"{ph or '(none)'} -> password")
            return "password", {}
        self.note(where, "placeholder read as text", ph or "(none)")
        return "string", {}

    def attr(self, dotted: str, ra: RefAttr, fix: C.Fix | None,
             rt_get: Mapping[str, str] | None = None) -> Attr | None:
        where = f"{dotted}.{ra.name}"
        if fix is not None and fix.drop:
            self.note(where, "dropped by hand", fix.why)
            return None
        ch: dict[str, object] = dict(fix.changes) if fix is not None else {}
        name = str(ch.pop("name", ra.name))
        if not WORD.match(name):
            self.note(where, "dropped: not a one-word name", name)
            return None
        if "kind" in ch:
            kind: Kind = ch.pop("kind")  # type: ignore[assignment]
        else:
            kind, extra = self.kind_of(dotted, ra)
            ch = {**extra, **ch}
        ref = ch.pop("ref", None)
        options: tuple[Option, ...] = ()
        if "options" in ch:
            options = tuple(ch.pop("options"))  # type: ignore[arg-type]
        elif kind == "option" and "datasource" in ra.options:
            # ``{alert|deny|<datasource>}``: a WAF action, predefined (alert, deny...) or user-defined
            target = C.DATASOURCE_OPTIONS.get(dotted.split(".")[0]) if name.endswith("action") else None
            kind, ref = ("ref", target) if target else ("string", None)
            self.note(where, "options naming a datasource read as a reference", str(target))
        elif kind == "option":
            split = [p for o in ra.options for p in (o.split("/") if "/" in o else [o]) if p]
            if split != list(ra.options):
                self.note(where, "options split at '/'", " ".join(ra.options))
            names = [o for o in split if WORD.match(o) and not set(o) & XSS]
            dropped = [o for o in split if o not in names]
            if dropped:
                self.note(where, "options dropped", " ".join(dropped))
            names = list(dict.fromkeys(names))
            options = tuple(Option(o, " ".join(ra.option_help.get(o, "").split()) or o) for o in names)
        multi = bool(ch.pop("multi", ra.multi))
        if kind == "ref":
            if not ref or str(ref) not in self.modelled:
                self.note(where, "reference read as text", str(ref or ra.extra.get("ref_text", ""))[:80])
                kind, ref = "string", None
        else:
            ref = None
        if kind == "option" and not options:
            self.note(where, "option without options read as text", ra.placeholder)
            kind = "string"
        if kind in ("password", "portlist"):
            multi = False
        rng = ch.pop("range", ra.range if kind == "integer" else None)
        if kind == "integer" and rng is None:
            rng = INT_RANGE
            self.note(where, "integer without a stated range", f"{INT_RANGE[0]}-{INT_RANGE[1]}")
        if kind != "integer":
            rng = None
        maxlen = int(ch.pop("maxlen", 0))  # type: ignore[call-overload]
        if not maxlen and kind not in ("string", "password"):
            maxlen = 63
        elif not maxlen:
            m = next((MAXLEN_TEXT.search(d.text) for d in ra.descriptions if MAXLEN_TEXT.search(d.text)), None)
            maxlen = int(m.group(1)) if m else 255 if FREE_TEXT.search(name) else 63
        help_ = " ".join(str(ch.pop("help", attr_help(ra))).split())
        if "default" in ch:  # given by hand: taken as it is (a predefined object's name, say)
            default: str | tuple[str, tuple[int, int]] = str(ch.pop("default"))
        else:
            text = ra.default
            if text is None and rt_get is not None and ra.name in rt_get and rt_get[ra.name]:
                text = rt_get[ra.name]
                self.note(where, "default from the get transcript", text)
            default = self.default(where, kind, text or "", options, rng, multi, maxlen, ref)
        if isinstance(default, tuple):
            default, rng = default
        if kind in ("string", "password") and len(default.encode()) > maxlen:
            maxlen = len(default.encode())
        required = bool(ch.pop("required", ra.extra.get("required") is True)) and not default
        when: Mapping[str, tuple[str, ...]] = ch.pop("when", ra.when)  # type: ignore[assignment]
        return Attr(name, kind, help_, default=default, options=options, range=rng,  # type: ignore[arg-type]
                    maxlen=maxlen, ref=str(ref) if ref else None, multi=multi, required=required,
                    when=dict(when), **ch)  # type: ignore[arg-type]

    def default(self, where: str, kind: Kind, value: str, options: tuple[Option, ...],
                rng: object, multi: bool, maxlen: int, ref: object = None) -> str | tuple[str, tuple[int, int]]:
        """The default if the kind can hold it (in the form ``get`` prints); ("0", widened range) for a
        0 below an integer range; "" (and a note) otherwise."""
        value = value.strip()
        if value == "":
            return ""
        words = value.split() if multi else [value]
        if kind == "integer":
            assert isinstance(rng, tuple)
            if words == ["0"] and rng[0] > 0:
                self.note(where, "range widened to hold the default 0", f"{rng[0]}-{rng[1]}")
                return "0", (0, rng[1])
        out = [canonical(kind, w, options, rng, maxlen) for w in words]
        if kind == "ref" and not all((str(ref), w) in self.predefined for w in words):
            out = [None]  # a reference default names a predefined object
        if any(w is None for w in out):
            self.note(where, "default dropped", value)
            return ""
        return " ".join(w for w in out if w is not None)

    # ------------------------------------------------------------------------------------ tables
    def table(self, rt: RefTable, top: tuple[str, ...]) -> Table:
        dotted = ".".join(rt.path)
        tfix = C.TABLES.get(dotted, C.TableFix(0, ""))
        attrs: list[Attr] = []
        seen: dict[str, int] = {}
        # the first ``get`` is of a fresh entry when the transcript made it (``Add new entry``) just before
        fresh = rt.get_example if rt.kind == "table" and rt.node_id is not None else None
        for ra in rt.attrs:
            n = seen[ra.name] = seen.get(ra.name, 0) + 1
            which = (dotted, ra.name if n == 1 else f"{ra.name}#{n}")
            fix = C.ATTRS.get(which) or C.SERVICE_REFS.get(which)
            a = self.attr(dotted, ra, fix, fresh)
            if a is not None:
                attrs.append(a)
        attrs.extend(tfix.extra_attrs)
        children = [self.table(c, top) for c in rt.tables if ".".join(c.path) not in C.SKIP]
        children.extend(tfix.extra_tables)
        if tfix.unconditional:
            gone = set(tfix.unconditional)
            for i, a in enumerate(attrs):
                if gone & set(a.when):
                    self.note(f"{dotted}.{a.name}", "condition dropped by hand", tfix.why)
                    attrs[i] = replace(a, when={k: v for k, v in a.when.items() if k not in gone})
        attrs = self.literal_options(dotted, attrs)
        attrs = self.prose_conditions(dotted, attrs)
        attrs = self.conditions(dotted, attrs)
        attrs = self.unique(dotted, attrs, {c.name for c in children})
        attrs = self.get_order(dotted, attrs, rt.get_example)
        items: list[Attr | Table] = list(attrs)
        # nested tables where the reference's syntax shows them, else after the attributes
        for c in children:
            pos = self.position(rt, c.name, items)
            items.insert(pos, c)
        items = self.conditions_first(dotted, items)
        kind = tfix.kind or rt.kind
        key = tfix.key or (rt.key if rt.key in ("name", "integer") else "name")
        return Table(
            name=rt.path[-1],
            path=rt.path,
            help=tfix.help or table_help(rt),
            items=tuple(items),
            kind=kind,  # type: ignore[arg-type]
            key=key,  # type: ignore[arg-type]
            key_help=tfix.key_help or key_help(rt, ""),
            node_id=0,
            when=dict(tfix.when),
        )

    def get_order(self, dotted: str, attrs: list[Attr], get: Mapping[str, str]) -> list[Attr]:
        """The order a transcript's ``get`` prints, where it differs from the syntax block's: the box prints
        ``get`` and ``show`` in one order (``connection-pool``: size, age, reuse, timeout, p. 144). The
        attributes the ``get`` lists take its order among the places they hold; the others stay put."""
        order = {name: i for i, name in enumerate(get)}
        slots = [i for i, a in enumerate(attrs) if a.name in order]
        ranked = sorted((attrs[i] for i in slots), key=lambda a: order[a.name])
        if [a.name for a in ranked] == [attrs[i].name for i in slots]:
            return attrs
        out = list(attrs)
        for i, a in zip(slots, ranked):
            out[i] = a
        self.note(dotted, "attributes ordered as the get transcript prints them", " ".join(a.name for a in ranked)[:80])
        return out

    def conditions_first(self, dotted: str, items: list[Attr | Table]) -> list[Attr | Table]:
        """The reference's order, except that an item comes after the attributes its condition names:
        ``show`` prints in this order and a replay must meet ``set type x`` before what it enables."""
        out: list[Attr | Table] = []
        placed: set[str] = set()
        waiting = list(items)
        while waiting:
            for i, it in enumerate(waiting):
                needs = {k.split(".")[0] for k in it.when} - {it.name}
                if needs <= placed or not needs & {w.name for w in waiting if w is not it}:
                    break
            else:
                i = 0
            it = waiting.pop(i)
            if i:
                self.note(f"{dotted}.{it.name}", "moved after the attribute its condition names")
            out.append(it)
            placed.add(it.name)
        return out

    @staticmethod
    def position(rt: RefTable, name: str, items: list[Attr | Table]) -> int:
        order = list(rt.order)
        if f"table:{name}" not in order:
            return len(items)
        before = {o.split(":", 1)[1] for o in order[: order.index(f"table:{name}")]}
        last = 0
        for i, it in enumerate(items):
            if it.name in before:
                last = i + 1
        return last

    def literal_options(self, dotted: str, attrs: list[Attr]) -> list[Attr]:
        """An option read from one example value (``set type URL``) also takes the values the table's
        conditions test it for."""
        out = []
        for a in attrs:
            if a.kind == "option" and len(a.options) == 1:
                wanted = [v for b in attrs for k, vs in b.when.items() if k == a.name for v in vs
                          if WORD.match(v) and v not in a.option_names]
                if wanted:
                    extra = tuple(Option(v, v) for v in dict.fromkeys(wanted))
                    self.note(f"{dotted}.{a.name}", "options taken from the conditions", " ".join(o.name for o in extra))
                    a = replace(a, options=a.options + extra)
            out.append(a)
        return out

    def prose_conditions(self, dotted: str, attrs: list[Attr]) -> list[Attr]:
        """Conditions the help states in words the extraction did not read as conditions: "If ip-range
        is selected ..." (a value of exactly one other option attribute), "If event-log-status is
        enabled ..." (an enable/disable attribute)."""
        out = []
        for a in attrs:
            m = PROSE_SELECTED.search(a.help)
            if m and not a.when:
                word = m.group(1)
                switch = [b for b in attrs if b is not a and b.kind == "option" and not b.multi]
                by_value = [b for b in switch if word in b.option_names]
                by_name = [b for b in switch if b.name == word and "enable" in b.option_names]
                when: dict[str, tuple[str, ...]] = {}
                if m.group(2) == "selected" and len(by_value) == 1:
                    when = {by_value[0].name: (word,)}
                elif m.group(2) == "enabled" and len(by_name) == 1:
                    when = {word: ("enable",)}
                if when:
                    self.note(f"{dotted}.{a.name}", "condition read from the help", m.group(0))
                    a = replace(a, when=when)
            out.append(a)
        return out

    def unique(self, dotted: str, attrs: list[Attr], child_names: set[str]) -> list[Attr]:
        """One definition per name, unless every definition has a condition and the conditions differ
        (the view takes the first one in force)."""
        out: list[Attr] = []
        for a in attrs:
            if a.name in child_names:
                self.note(f"{dotted}.{a.name}", "dropped: a nested table has the name")
                continue
            twins = [b for b in out if b.name == a.name]
            if twins and (not a.when or any(not b.when or b.when == a.when for b in twins)):
                self.note(f"{dotted}.{a.name}", "dropped: a second definition of the name")
                continue
            out.append(a)
        return out

    def conditions(self, dotted: str, attrs: list[Attr]) -> list[Attr]:
        by_name: dict[str, list[Attr]] = {}
        for a in attrs:
            by_name.setdefault(a.name, []).append(a)
        cleaned: list[Attr] = []
        for a in attrs:
            when: dict[str, tuple[str, ...]] = {}
            for key, values in a.when.items():
                where = f"{dotted}.{a.name}"
                targets = by_name.get(key)
                if key == a.name or not targets:
                    self.note(where, "condition dropped: not an attribute of the table", f"{key}={'|'.join(values)}")
                    continue
                vals = tuple(values)
                t = targets[0]
                if t.kind != "option" or len(t.options) < 2:
                    # ``set email-format pdf`` beside the other lines of a syntax block: an example value
                    # (or the only one), which tells no two kinds of entry apart
                    self.note(where, "condition dropped: its attribute takes one value", f"{key}={'|'.join(values)}")
                    continue
                if not t.multi:
                    vals = tuple(v for v in values if v in t.option_names)
                    if not vals:
                        self.note(where, "condition dropped: a value the attribute cannot take",
                                  f"{key}={'|'.join(values)}")
                        continue
                when[key] = vals
            cleaned.append(replace(a, when=when) if when != a.when else a)
        # no cycles: an attribute may not depend on itself through other conditions
        deps: dict[str, set[str]] = {a.name: set() for a in cleaned}
        for a in cleaned:
            deps[a.name] |= set(a.when)
        out: list[Attr] = []
        for a in cleaned:
            keep = {}
            for key, vals in a.when.items():
                if self.reaches(deps, key, a.name):
                    self.note(f"{dotted}.{a.name}", "condition dropped: a cycle", key)
                    deps[a.name].discard(key)
                    continue
                keep[key] = vals
            out.append(replace(a, when=keep) if keep != a.when else a)
        # a conditional name needs every one of its definitions conditional (View picks the first in force)
        return out

    @staticmethod
    def reaches(deps: Mapping[str, set[str]], start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            n = stack.pop()
            if n == goal:
                return True
            if n in seen:
                continue
            seen.add(n)
            stack.extend(deps.get(n, ()))
        return False


# ------------------------------------------------------------------------------------ the whole tree
def build(ref: Reference, hand: Sequence[Table], predefined: Iterable[tuple[str, str]] = ()) -> Built:
    """The generated tables for every reference path the hand-written ``hand`` tables do not cover,
    and the nested tables ``corrections.HAND_CHILDREN`` adds to hand-written tables."""
    notes: list[Note] = []
    covered = {t.path for t in hand}
    tops = [rt for rt in ref.tables if rt.path not in covered and ".".join(rt.path) not in C.SKIP]
    for dotted in C.SKIP:
        notes.append(Note(dotted, "table left out", C.SKIP[dotted]))
    shown = {".".join(rt.path) for rt in tops}
    added = [t for t, witness in C.ADDED_TABLES.values() if witness in shown]  # where the reference shows it
    by_path = {t.path: t for t in added}  # a table written by hand wins over its extraction, in its place
    modelled = {t.dotted for t in hand} | shown | {t.dotted for t in added}
    b = _Builder(ref, modelled, notes, set(predefined))
    tables: list[Table] = []
    for top in tops:
        mine = by_path.pop(top.path, None)
        if mine is not None:
            notes.append(Note(mine.dotted, "extracted table replaced by one written by hand", ""))
        tables.append(mine if mine is not None else b.table(top, top.path))
    for t in by_path.values():  # last: no other table's allocated node id moves
        notes.append(Note(t.dotted, "table written by hand", "no syntax in the reference, only an example"))
        tables.append(t)
    children: dict[tuple[str, ...], tuple[Table, ...]] = {}
    for path, kids in C.HAND_CHILDREN.items():
        if path not in covered:
            continue
        made = []
        for name, (when, _after) in kids.items():
            rt = ref.find(path + (name,))
            assert rt is not None, (path, name)
            made.append(replace(b.table(rt, path), when=dict(when)))
        children[path] = tuple(made)
    return Built(tuple(tables), children, notes)


def with_children(t: Table, built: Built) -> Table:
    """A hand-written table with the nested tables ``corrections.HAND_CHILDREN`` gives it, each after
    the item it names (or last)."""
    kids = built.children.get(t.path, ())
    if not kids:
        return t
    items = list(t.items)
    for k in kids:
        after = C.HAND_CHILDREN[t.path][k.name][1]
        names = [i.name for i in items]
        items.insert(names.index(after) + 1 if after in names else len(items), k)
    return replace(t, items=tuple(items))


def walk(t: Table) -> Iterable[Table]:
    yield t
    for c in t.children:
        yield from walk(c)


def with_node_ids(built: Built, ref: Reference, taken: set[int]) -> Built:
    """Node ids: the transcript's (``Add new entry 'x' for node N``) where it is free, else the next
    one from ``FIRST_NODE_ID``, in the reference's order (top-level tables, then the nested tables added
    to hand-written ones)."""
    used = set(taken)
    nxt = [FIRST_NODE_ID]
    notes = built.notes

    def assign(t: Table) -> Table:
        dotted = ".".join(t.path)
        rt = ref.find(t.path)
        fixed = C.TABLES.get(dotted, C.TableFix(0, "")).node_id  # None: the transcript's, 0: allocate
        node: int | None = fixed if fixed is not None else rt.node_id if rt is not None and rt.node_id else t.node_id
        node = node or None
        if node is not None and node in used:
            notes.append(Note(dotted, "node id taken, another allocated", str(node)))
            node = None
        if node is None:
            while nxt[0] in used:
                nxt[0] += 1
            node = nxt[0]
        used.add(node)
        items = tuple(assign(i) if isinstance(i, Table) else i for i in t.items)
        return replace(t, node_id=node, items=items)

    tables = tuple(assign(t) for t in built.tables)
    children = {p: tuple(assign(t) for t in kids) for p, kids in built.children.items()}
    return Built(tables, children, notes)


# --------------------------------------------------------------------------------------------- order
def references(t: Table) -> set[str]:
    """The top-level tables ``t`` (and its nested tables) reference, itself left out."""
    out = {a.ref for tt in walk(t) for a in tt.attrs if a.kind == "ref" and a.ref}
    out.discard(t.dotted)
    return {r for r in out if r}


def order(hand: Sequence[Table], generated: Sequence[Table], notes: list[Note]) -> tuple[Table, ...]:
    """Every top-level table in a dependency order for ``show``: each after the tables it references.

    The preferred order is the chapters of ``corrections.CHAPTERS``, in each the hand-written tables in
    their own order, then the generated ones in the reference's order; the tables are taken in that
    order, each preceded by what it references that is not out yet (depth first, in the preferred
    order), so the hand-written tables keep their relative order. A reference cycle would be broken by
    reading the reference that closes it as text, with a note (there is none today)."""
    rank = {c: i for i, c in enumerate(C.CHAPTERS)}
    hand_pos = {t.dotted: i for i, t in enumerate(hand)}
    gen_pos = {t.dotted: i for i, t in enumerate(generated)}
    pref = sorted(list(hand) + list(generated),
                  key=lambda t: (rank.get(t.path[0], len(rank)), 0 if t.dotted in hand_pos else 1,
                                 hand_pos.get(t.dotted, gen_pos.get(t.dotted, 0))))
    by_dotted = {t.dotted: t for t in pref}
    pos = {t.dotted: i for i, t in enumerate(pref)}
    done: list[str] = []
    state: dict[str, int] = {}  # 1: being visited, 2: out

    def visit(d: str) -> None:
        state[d] = 1
        for r in sorted(references(by_dotted[d]) & set(by_dotted), key=lambda x: pos[x]):
            if state.get(r) == 1:
                notes.append(Note(d, "reference cycle broken, read as text", r))
                by_dotted[d] = _as_text(by_dotted[d], {r})
            elif r not in state:
                visit(r)
        state[d] = 2
        done.append(d)

    for t in pref:
        if t.dotted not in state:
            visit(t.dotted)
    return tuple(by_dotted[d] for d in done)


def _as_text(t: Table, targets: set[str]) -> Table:
    items = []
    for i in t.items:
        if isinstance(i, Attr) and i.kind == "ref" and i.ref in targets:
            i = replace(i, kind="string", ref=None, ref_extra=())
        elif isinstance(i, Table):
            i = _as_text(i, targets)
        items.append(i)
    return replace(t, items=tuple(items))


# ------------------------------------------------------------------------------------------ the cache
def cached(make: Callable[[], Built]) -> Built:
    """``make()``, or what it returned last time for the same inputs: the build costs about 0.15 s at
    every start, reading it back a tenth of that. The inputs are every file of ``adc/schema`` (the
    extraction, the corrections, the rules, the hand-written tables, the model), hashed; the result is
    kept beside the bytecode (``adc/schema/__pycache__``), like it, and rebuilt when anything changed or
    the file cannot be read. ``ADC_SCHEMA_CACHE=off`` always builds."""
    if os.environ.get("ADC_SCHEMA_CACHE", "") == "off":
        return make()
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for p in sorted([*here.glob("*.py"), *here.glob("reference/*.py"), *here.glob("reference/*.json")]):
        digest.update(p.relative_to(here).as_posix().encode() + b"\0" + p.read_bytes())
    cache = here / "__pycache__" / f"generated-{digest.hexdigest()[:20]}.pickle"
    try:
        built = pickle.loads(cache.read_bytes())
        if isinstance(built, Built):
            return built
    except Exception:  # noqa: BLE001 - missing, unreadable or from another Python: build again
        pass
    built = make()
    try:
        cache.parent.mkdir(exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, cache)
        for old in cache.parent.glob("generated-*.pickle"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only installation: build at every start
    return built


__all__ = ["Built", "Note", "build", "cached", "order", "with_node_ids", "INT_RANGE", "FIRST_NODE_ID"]
