"""What a session's helpers work with: its position, its store, the appliance, and the one commit path.

Validation, completion and the ``execute``/``diagnose`` verbs take a ``Context``, never a ``Session``: a
session is the command dispatcher around one context. Every change to the configuration goes through
``commit`` or ``replace`` here, so what the appliance answers (a listener that could not bind) reaches
the operator with the line that caused it.
"""
from __future__ import annotations

from typing import Callable

from ..config.store import Change, ConfigStore
from ..config.tree import ConfigTree, Entry, TableData
from ..config.view import View
from ..schema.model import Table
from ..schema.vdom import VDOM_SWITCH
from ..errors import CommandFail
from .access import DENIED, FULL, Access
from .frames import Frame, TableFrame, nested_data
from .ops import ApplianceOps
from .reply import Reply
from .script import LineRunner, run_lines

DEFAULT_HOSTNAME = "FortiADC-VM"


def declares_vdoms(lines: list[str]) -> bool:
    """Whether a configuration script was written by a box with virtual domains on: its header says
    ``vdom=1`` (``#config-version=...:opmode=0:vdom=1:user=admin``) or a line opens a VDOM wrapper."""
    for line in lines:
        text = line.strip()
        if text.startswith("#config-version=") and ":vdom=1" in text:
            return True
        if text in ("config global", "config vdom"):
            return True
    return False


class Context:
    def __init__(self, app: ApplianceOps, store: ConfigStore | None,
                 spawn: Callable[[ApplianceOps, ConfigStore], LineRunner]) -> None:
        self.app = app
        self.store = store if store is not None else app.store
        self.schema = app.schema
        self.view = View(self.schema, self.lookup)
        self.frames: list[Frame] = []
        self.notes: list[str] = []  # what the appliance said about this line's commits (bind errors)
        self.question: Callable[[bool], Reply] | None = None  # a y/n question waiting for its answer
        self.state: dict[str, object] = {}  # what verbs keep per session (the session-list filter)
        self.access: Access = FULL  # what the logged-in administrator may change (``access``)
        self.restoring = False  # replaying a backup: a table of a path adc does not know is kept as text
        self._spawn = spawn  # a new session on another store (restore replays into a fresh one)
        self._protected: dict[tuple[tuple[str, ...], str], int] = {
            (f.path, f.key): f.delete_code for f in self.schema.factory if f.key is not None and f.delete_code
        }

    # ---- reading
    @property
    def frame(self) -> Frame | None:
        return self.frames[-1] if self.frames else None

    def lookup(self, dotted: str, key: str) -> Entry | None:
        """A committed entry of a top-level table, by dotted path and key."""
        t = self.schema.by_dotted.get(dotted)
        if t is None:
            return None
        node = self.store.tree.nodes.get(t.path)
        return node.get(key) if isinstance(node, TableData) else None

    def saved_node(self, path: tuple[str, ...]) -> TableData | Entry:
        """The committed table or single object at ``path`` (empty when nothing was saved)."""
        table = self.schema.table(path)
        assert table is not None
        node = self.store.tree.nodes.get(path)
        if node is None:
            return Entry(None) if table.kind == "single" else TableData()
        return node

    def table_data(self, frame: TableFrame) -> TableData:
        """What a table frame edits: the committed table, or its parent's working copy (nested)."""
        nested = nested_data(frame)
        return nested if nested is not None else self.store.tree.table(frame.table.path)

    def factory(self) -> ConfigTree:
        """The factory configuration (built once per store): what predefined entries are compared with."""
        tree = self.store.derived.get("factory")
        if not isinstance(tree, ConfigTree):
            tree = self.store.derived["factory"] = self.app.factory_tree()
        return tree

    def factory_entry(self, table: Table, key: str) -> Entry | None:
        """The factory state of a predefined entry of a top-level table (None for other entries)."""
        node = self.factory().nodes.get(table.path)
        return node.get(key) if isinstance(node, TableData) else None

    def protected_code(self, table: Table, key: str) -> int:
        """The code refusing deletion of a factory entry (``port1``), 0 when it may go."""
        return self._protected.get((table.path, key), 0)

    def vdom_mode(self) -> bool:
        """Virtual domains are on: ``config system global`` ``set vdom-admin enable`` (CLI744 p. 633)."""
        path, name = VDOM_SWITCH
        t = self.schema.table(path)
        node = self.store.tree.nodes.get(path)
        return t is not None and isinstance(node, Entry) and self.view.text(t, node, name) == "enable"

    def hostname(self) -> str:
        t = self.schema.table(("system", "global"))
        if t is None:
            return DEFAULT_HOSTNAME
        node = self.store.tree.nodes.get(t.path)
        value = self.view.text(t, node if isinstance(node, Entry) else Entry(None), "hostname")
        return value or DEFAULT_HOSTNAME

    # ---- changing: the one path of every commit
    def commit(self, change: Change) -> None:
        """Hand a change to the store; keep what the appliance answers to print with this line."""
        self.access.check_write(change.path)
        self.notes.extend(self.store.commit(change))

    def replace(self, tree: ConfigTree) -> None:
        """Swap the whole configuration (restore, factory reset); the session goes back to the top."""
        if not all(self.access.can_write((area,)) for area in self.access.areas):
            raise CommandFail(DENIED, "Permission denied: replacing the configuration needs read-write everywhere")
        self.notes.extend(self.store.replace(tree))
        self.frames.clear()

    def ask(self, warning: str, then: Callable[[bool], Reply]) -> Reply:
        """Print a warning and wait for a y/n line (purge, factoryreset, restore)."""
        self.question = then
        return Reply(output=warning + "\n")

    def replay_into_fresh(self, lines: list[str], what: str) -> Reply:
        """Run ``lines`` on a factory-fresh copy; replace the config only if every line succeeded.

        Used by ``execute restore config``: a bad file changes nothing (nothing is ever half-restored).
        """
        fresh = self.app.factory_tree()
        if declares_vdoms(lines):  # a backup of a box with VDOMs: its wrappers need VDOM mode from line 1
            path, name = VDOM_SWITCH
            fresh.single(path).values[name] = "enable"
        scratch = ConfigStore(fresh)
        runner = self._spawn(self.app, scratch)
        ctx = getattr(runner, "ctx", None)
        if isinstance(ctx, Context):
            ctx.restoring = True
        results = list(run_lines(runner, lines))
        bad = [r for r in results if r.reply.failed]
        if not bad and runner.depth:
            return Reply(error=f"{what}: the file ends inside a config block\nCommand fail. Return code is -39\n", failed=True)
        if bad:
            first = bad[0]
            return Reply(  # the line number and the error, never the line: the file may hold secrets
                error=f"{what}: line {first.lineno}\n{first.reply.error}Command fail. Return code is -39\n",
                failed=True,
            )
        self.replace(scratch.tree)
        kept = "".join(dict.fromkeys(r.reply.notice for r in results if r.reply.notice.startswith("restore: ")))
        return Reply(output="Configuration restored.\n", notice=kept)
