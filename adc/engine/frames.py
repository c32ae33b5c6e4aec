"""Where a session stands: the stack of open ``config`` tables and ``edit`` entries.

A table frame edits the committed table (top level) or the working copy of its parent entry (nested
tables); an entry frame holds the working copy that ``next``/``end`` commit and ``abort`` discards.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..config.opaque import Block
from ..config.tree import Entry, TableData
from ..schema.model import Table


@dataclass
class TableFrame:
    table: Table
    parent: "EntryFrame | None"  # None for a top-level table

    @property
    def scope(self) -> str:
        return self.table.name


@dataclass
class EntryFrame:
    table: Table
    work: Entry  # the working copy
    parent: TableFrame | None  # None for a single object (system global)
    is_new: bool

    @property
    def scope(self) -> str:
        return self.work.key if self.work.key is not None else self.table.name

    @property
    def top(self) -> "EntryFrame":
        """The top-level entry this (possibly nested) entry belongs to."""
        frame: EntryFrame = self
        while frame.parent is not None and frame.parent.parent is not None:
            frame = frame.parent.parent
        return frame


@dataclass
class ScopeFrame:
    """A VDOM wrapper (CLI744 Appendix A): ``config global`` (``global``), ``config vdom`` (``vdom``, the
    table of virtual domains) or ``edit root`` inside it (the VDOM's name). Tables opened inside are
    top-level tables of the one configuration."""

    name: str

    @property
    def scope(self) -> str:
        return self.name

    @property
    def is_vdom_table(self) -> bool:
        return self.name == "vdom"


@dataclass
class OpaqueFrame:
    """A table kept as text (``adc.config.opaque``), from its ``config`` to its ``end``: the working copy
    and the ``edit``/``config`` blocks open inside it (one frame for them all: nothing in them is known)."""

    table: Table
    root: Block  # the working copy, committed by the last ``end``
    open: list[tuple[str, str, Block]]  # (verb, name, block) of the open edit/config blocks, innermost last
    # a nested table adc does not know inside an entry of a known table (restore only): the entry whose
    # kept lines ``root`` is (``opaque.kept_of``); leaving its ``config`` block puts them back there
    owner: "EntryFrame | None" = None

    @property
    def block(self) -> Block:
        return self.open[-1][2] if self.open else self.root

    @property
    def scope(self) -> str:
        return self.open[-1][1] if self.open else self.table.name


Frame = TableFrame | EntryFrame | ScopeFrame | OpaqueFrame


def nested_data(frame: TableFrame) -> TableData | None:
    """The working table a nested table frame edits (None for a top-level table)."""
    if frame.parent is None:
        return None
    return frame.parent.work.child(frame.table.name)


def truncate16(scope: str) -> str:
    """FortiADC shows at most 16 characters of a scope: ``s[:14] + "~" + s[15]`` (reference §1.2)."""
    if len(scope) <= 16:
        return scope
    return scope[:14] + "~" + scope[15]
