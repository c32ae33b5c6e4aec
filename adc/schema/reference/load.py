"""Read ``tables.json`` (the extracted CLI Reference) into frozen dataclasses.

Why a loader of its own: the extraction is data with a format of its own (kept close to the words of
the reference: ``datasource``, ``raw`` placeholders, conditions as evidence), so that a later stage
can turn it into ``adc.schema.model`` tables by hand-checked rules. Nothing here depends on the rest
of adc; a malformed file raises ``ValueError`` naming what is wrong.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator, Mapping

FORMAT = 1
KINDS = ("table", "single")


@dataclass(frozen=True)
class RefDescription:
    """One row of a description table: its page, the condition heading it sat under, its text."""

    page: int
    text: str
    when: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class RefAttr:
    """One ``set`` attribute as the reference shows it (``type`` is the reference's placeholder kind:
    integer, string, datasource, ipv4, ipv4mask, ipv6, ipv6mask, option, password, or raw)."""

    name: str
    page: int
    syntax: str
    type: str
    placeholder: str
    options: tuple[str, ...]
    multi: bool
    help: str
    default: str | None
    range: tuple[int, int] | None
    ref: str | None  # "load-balance pool": the table a <datasource> names, when unambiguous
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    option_help: Mapping[str, str] = field(default_factory=dict, hash=False)
    descriptions: tuple[RefDescription, ...] = ()
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)  # the other keys of the JSON


@dataclass(frozen=True)
class RefTable:
    """A ``config`` table: keyed entries ("table", ``key`` "name" or "integer") or a single object."""

    path: tuple[str, ...]
    page: int
    kind: str
    key: str | None
    key_raw: str | None
    help: str
    section: str
    section_page: int
    attrs: tuple[RefAttr, ...]
    tables: tuple["RefTable", ...]
    parent: tuple[str, ...] | None = None
    vdom: str | None = None
    readonly: bool = False
    deprecated: bool = False
    no_syntax: bool = False
    key_help: str = ""
    order: tuple[str, ...] = ()
    node_id: int | None = None  # from a transcript's "Add new entry 'x' for node N"
    node_page: int | None = None
    get_example: Mapping[str, str] = field(default_factory=dict, hash=False)  # the first ``get`` of an entry
    get_page: int | None = None

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    def walk(self) -> Iterator["RefTable"]:
        """This table, then its nested tables, depth first."""
        yield self
        for t in self.tables:
            yield from t.walk()

    def attr(self, name: str) -> tuple[RefAttr, ...]:
        """Every attribute of that name (the reference may show one name with two value types)."""
        return tuple(a for a in self.attrs if a.name == name)

    def child(self, name: str) -> "RefTable | None":
        return next((t for t in self.tables if t.path[-1] == name), None)


@dataclass(frozen=True)
class RefProblem:
    page: int
    where: str
    kind: str
    detail: str


@dataclass(frozen=True)
class Reference:
    source: str
    tables: tuple[RefTable, ...]  # top level, in the reference's order
    problems: tuple[RefProblem, ...]
    summary: Mapping[str, int] = field(default_factory=dict, hash=False)

    def every(self) -> Iterator[RefTable]:
        """Every table, nested ones included."""
        for t in self.tables:
            yield from t.walk()

    def find(self, path: tuple[str, ...] | str) -> RefTable | None:
        """A table by its path words, or by a dotted or spaced path (``load-balance.pool.pool_member``)."""
        words = tuple(path.replace(".", " ").split()) if isinstance(path, str) else tuple(path)
        index = self.__dict__.get("_index")
        if index is None:  # built once: the builder looks up every table
            index = {t.path: t for t in reversed(list(self.every()))}
            object.__setattr__(self, "_index", index)
        return index.get(words)


def _need(d: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in d or not isinstance(d[key], kind):
        raise ValueError(f"tables.json: {where}: '{key}' missing or not {kind}")
    return d[key]


ATTR_KEYS = {"name", "page", "syntax", "type", "placeholder", "options", "multi", "help", "default", "range",
             "ref", "when", "option_help", "descriptions", "notes"}


def _attr(d: Mapping[str, Any], where: str) -> RefAttr:
    name = _need(d, "name", str, where)
    where = f"{where} {name}"
    rng = d.get("range")
    if rng is not None and not (isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, int) for x in rng)):
        raise ValueError(f"tables.json: {where}: bad range {rng!r}")
    descs = tuple(
        RefDescription(_need(x, "page", int, where), _need(x, "text", str, where), dict(x.get("when", {})))
        for x in _need(d, "descriptions", list, where))
    return RefAttr(
        name=name,
        page=_need(d, "page", int, where),
        syntax=_need(d, "syntax", str, where),
        type=_need(d, "type", str, where),
        placeholder=_need(d, "placeholder", str, where),
        options=tuple(_need(d, "options", list, where)),
        multi=_need(d, "multi", bool, where),
        help=_need(d, "help", str, where),
        default=d.get("default"),
        range=(rng[0], rng[1]) if rng else None,
        ref=d.get("ref"),
        when={k: tuple(v) for k, v in d.get("when", {}).items()},
        option_help=dict(d.get("option_help", {})),
        descriptions=descs,
        notes=tuple(d.get("notes", ())),
        extra={k: v for k, v in d.items() if k not in ATTR_KEYS},
    )


def _table(d: Mapping[str, Any]) -> RefTable:
    path = tuple(_need(d, "path", list, "table"))
    where = " ".join(path)
    kind = _need(d, "kind", str, where)
    if kind not in KINDS:
        raise ValueError(f"tables.json: {where}: kind {kind!r}")
    parent = d.get("parent")
    return RefTable(
        path=path,
        page=_need(d, "page", int, where),
        kind=kind,
        key=d.get("key"),
        key_raw=d.get("key_raw"),
        key_help=d.get("key_help", ""),
        help=_need(d, "help", str, where),
        section=_need(d, "section", str, where),
        section_page=_need(d, "section_page", int, where),
        attrs=tuple(_attr(a, where) for a in _need(d, "attrs", list, where)),
        tables=tuple(_table(t) for t in _need(d, "tables", list, where)),
        parent=tuple(parent) if parent else None,
        vdom=d.get("vdom"),
        readonly=bool(d.get("readonly", False)),
        deprecated=bool(d.get("deprecated", False)),
        no_syntax=bool(d.get("no_syntax", False)),
        order=tuple(d.get("order", ())),
        node_id=d.get("node_id"),
        node_page=d.get("node_page"),
        get_example=dict(d.get("get_example", {}).get("values", {})),
        get_page=d.get("get_example", {}).get("page"),
    )


def parse(doc: Mapping[str, Any]) -> Reference:
    """The extraction from its JSON document (what ``tools/extract_cli_reference.py`` writes)."""
    if doc.get("format") != FORMAT:
        raise ValueError(f"tables.json: format {doc.get('format')!r}, this loader reads {FORMAT}")
    problems = tuple(RefProblem(_need(p, "page", int, "problem"), _need(p, "where", str, "problem"),
                                _need(p, "kind", str, "problem"), p.get("detail", ""))
                     for p in _need(doc, "problems", list, "document"))
    return Reference(
        source=_need(doc, "source", str, "document"),
        tables=tuple(_table(t) for t in _need(doc, "tables", list, "document")),
        problems=problems,
        summary=dict(_need(doc, "summary", dict, "document")),
    )


@lru_cache(maxsize=1)
def load() -> Reference:
    """The committed extraction, ``adc/schema/reference/tables.json``."""
    text = resources.files("adc.schema.reference").joinpath("tables.json").read_text("utf-8")
    return parse(json.loads(text))
