"""The shape of the schema: what a table, an attribute and an option are.

The schema is data. Each config node is a ``Table`` (keyed entries) or a single object, holding
``Attr`` descriptions and nested ``Table``s in the order ``get`` and ``show`` print them. Parsing,
``?`` help, Tab completion, validation, defaults, ``get``, ``show`` and (later) the data plane's
compiled view are all derived from these objects; no command has code of its own.

Conditions (``when``) make an attribute exist only for some values of other attributes of the same
entry (``{"type": ("http", "https")}``); a dotted name follows a reference first
(``{"load-balance-profile.type": ("https", "tcps")}`` reads the ``type`` of the referenced profile).
The same attribute name may appear several times with different conditions, for instance with a
default that depends on the entry's type: the first one whose condition holds is the one in force.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Union

Kind = Literal[
    "option",  # one of ``options`` (several, space separated, when ``multi``)
    "integer",  # whole number within ``range``
    "string",  # free text, up to ``maxlen`` characters
    "ipv4",  # a.b.c.d
    "ipv4mask",  # a.b.c.d/nn or "a.b.c.d m.m.m.m"; printed as a.b.c.d/nn
    "ipv6",
    "ipv6mask",
    "ref",  # the name of an entry of table ``ref`` (several when ``multi``)
    "portlist",  # virtual-server ports: "80", "8000-8080", several
    "password",  # a secret kept as ciphertext, printed as ENC <value> by show, * by get
    "passhash",  # an administrator's password, kept as a salted hash, printed as password is
    "pattern",  # a string or regular expression: free text that may hold ( ) # (no quotes, no < >)
]


@dataclass(frozen=True)
class Option:
    name: str
    help: str = ""


@dataclass(frozen=True)
class Attr:
    """One field of an entry."""

    name: str
    kind: Kind
    help: str
    default: str = ""
    options: tuple[Option, ...] = ()
    range: tuple[int, int] | None = None
    maxlen: int = 63
    ref: str | None = None  # "load-balance.pool": the table a reference names
    ref_extra: tuple[str, ...] = ()  # literal values a reference also accepts ("NONE")
    multi: bool = False
    required: bool = False  # marked with '*' in ``set ?``; must be set at commit
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    always_show: bool = False  # printed by ``show`` even when equal to the default
    readonly: bool = False  # shown by get, refused by set
    max_items: int = 0  # for multi: at most this many values (0 = no limit)

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.options)


@dataclass(frozen=True)
class Table:
    """A config node. ``kind`` "table" holds keyed entries; "single" is one object (system global)."""

    name: str  # the last word of its path: "virtual-server", "pool_member", "global"
    path: tuple[str, ...]  # full words after ``config``: ("load-balance", "virtual-server")
    help: str
    items: tuple[Union[Attr, "Table"], ...]  # attributes and nested tables, in print order
    kind: Literal["table", "single"] = "table"
    key: Literal["name", "integer"] = "name"
    key_help: str = ""
    node_id: int = 0  # printed by "Add new entry 'x' for node N"
    max_entries: int = 0  # 0 = no limit
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # for nested tables
    opaque: bool = False  # attributes not known: its lines are kept as text (``adc.config.opaque``)

    @property
    def dotted(self) -> str:
        """The path as reference help prints it: ``load-balance.virtual-server``."""
        return ".".join(self.path)

    @property
    def attrs(self) -> tuple[Attr, ...]:
        return tuple(i for i in self.items if isinstance(i, Attr))

    @property
    def children(self) -> tuple["Table", ...]:
        return tuple(i for i in self.items if isinstance(i, Table))

    def default(self, name: str) -> str:
        """The default of the first attribute called ``name``, whatever its condition: what a reader
        falls back to where the attribute is not in force (a TCP profile's ``connect-timeout``)."""
        for i in self.items:
            if isinstance(i, Attr) and i.name == name:
                return i.default
        raise KeyError(f"{self.dotted} has no attribute {name}")

    def child(self, name: str) -> "Table | None":
        for c in self.children:
            if c.name == name:
                return c
        return None


def opts(*pairs: str | tuple[str, str]) -> tuple[Option, ...]:
    """Options from bare names or (name, help) pairs: ``opts("enable", "disable")``."""
    out = []
    for p in pairs:
        if isinstance(p, tuple):
            out.append(Option(p[0], p[1]))
        else:
            out.append(Option(p, p))
    return tuple(out)


ENABLE_DISABLE = opts(("enable", "enable"), ("disable", "disable"))
