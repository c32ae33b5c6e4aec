"""The command engine: one console session, sans-IO. A line goes in, a ``Reply`` comes out.

The session owns only its position (a stack of frames) and its working copies; the configuration it
edits lives in a shared ``ConfigStore``, so several sessions (console, SSH, tests) may work on one
appliance. Every command is resolved against the schema; nothing here knows a table by name except
the handful of status paths that ``get`` answers without config (``system status``...).
"""
from __future__ import annotations

from typing import Callable, Protocol

from ..config.store import Change, ConfigStore
from ..config.tree import Entry, TableData
from ..errors import AdcError, CommandFail, FieldParseError, ParsingError, UnknownAction, ValueParseError
from ..schema.model import Attr, Table
from ..schema.registry import Schema
from . import render, validate
from .frames import EntryFrame, Frame, TableFrame, nested_data, truncate16
from .lexer import continues, help_mark, lex
from .reply import Candidate, Reply
from .values import parse_value
from .view import View
from .words import match


class ApplianceOps(Protocol):
    """What a session asks of the appliance beyond the config store (status, files, reset)."""

    store: ConfigStore
    schema: Schema

    def status_text(self) -> str: ...

    def performance_text(self) -> str: ...

    def backup(self, path: str) -> None: ...

    def restore_lines(self, path: str) -> list[str]: ...

    def factory_tree(self): ...  # -> ConfigTree


ROOT_COMMANDS: dict[str, str] = {
    "config": "configure object",
    "get": "get dynamic and system information",
    "show": "show configuration",
    "execute": "execute static commands",
    "diagnose": "diagnose facility",
    "exit": "exit CLI",
}
TABLE_COMMANDS: dict[str, str] = {
    "edit": "add/edit a table value",
    "delete": "delete a table value",
    "purge": "clear all table values",
    "get": "get dynamic and system information",
    "show": "show configuration",
    "end": "end and save last config",
    "abort": "end and discard last config",
}
ENTRY_COMMANDS: dict[str, str] = {
    "set": "modify value",
    "unset": "set to default value",
    "get": "get dynamic and system information",
    "show": "show configuration",
    "next": "configure next table entry",
    "abort": "end and discard last config",
    "config": "configure object",
    "end": "end and save last config",
}
SINGLE_COMMANDS = {k: v for k, v in ENTRY_COMMANDS.items() if k != "next"}

def _status_paths() -> dict[tuple[str, ...], tuple[str, Callable[["ApplianceOps"], str]]]:
    from .status_verbs import STATUS_GETS

    return {
        ("system", "status"): ("system status", lambda app: app.status_text()),
        ("system", "performance"): ("system performance", lambda app: app.performance_text()),
        **STATUS_GETS,
    }


# ``get`` paths that are not configuration: status reports (path -> (help, report of the appliance)).
STATUS_PATHS = _status_paths()
FULL = "full-configuration"
QUESTION = "Do you want to continue? (y/n)"


class Session:
    def __init__(self, app: ApplianceOps) -> None:
        self.app = app
        self.schema: Schema = app.schema
        self.view = View(self.schema, self._lookup)
        self.frames: list[Frame] = []
        self._pending: str = ""  # a line continued with a trailing backslash
        self._question: Callable[[bool], Reply] | None = None
        self._notes: list[str] = []  # what the appliance said about this line's commits (bind errors)
        self._protected: dict[tuple[tuple[str, ...], str], int] = {
            (f.path, f.key): f.delete_code for f in self.schema.factory if f.key is not None and f.delete_code
        }

    # ----------------------------------------------------------------- reading the store
    @property
    def store(self) -> ConfigStore:
        return self.app.store

    def _lookup(self, dotted: str, key: str) -> Entry | None:
        t = self.schema.by_dotted.get(dotted)
        if t is None:
            return None
        node = self.store.tree.nodes.get(t.path)
        return node.get(key) if isinstance(node, TableData) else None

    def hostname(self) -> str:
        t = self.schema.table(("system", "global"))
        if t is None:
            return "FortiADC-VM"
        node = self.store.tree.nodes.get(t.path)
        entry = node if isinstance(node, Entry) else Entry(None)
        value = self.view.raw(t, entry, "hostname")
        return value if isinstance(value, str) and value else "FortiADC-VM"

    @property
    def prompt(self) -> str:
        if self._question is not None:
            return QUESTION
        if self._pending:
            return "> "
        host = truncate16(self.hostname())
        if not self.frames:
            return f"{host} # "
        return f"{host} ({truncate16(self.frames[-1].scope)}) # "

    @property
    def depth(self) -> int:
        return len(self.frames)

    @property
    def awaiting_answer(self) -> bool:
        """A y/n question (purge, factoryreset, restore) waits for the next line."""
        return self._question is not None

    @property
    def continuing(self) -> bool:
        """A line ended with ``\\`` and the command goes on in the next line."""
        return bool(self._pending)

    def cancel(self) -> None:
        """Ctrl+C: drop a continued line, and answer a pending question with no."""
        self._pending = ""
        if self._question is not None:
            self._question = None

    # ----------------------------------------------------------------- the entry point
    def execute(self, line: str) -> Reply:
        """Run one input line. Never raises for bad input: errors come back in the reply."""
        if self._question is not None:
            answer, self._question = self._question, None
            return answer(line.strip()[:1] in ("y", "Y"))
        if continues(line):
            self._pending += line.rstrip()[:-1]
            return Reply()
        if self._pending:
            line, self._pending = self._pending + line, ""
        text = line.strip()
        if not text or text.startswith("#"):
            return Reply()
        mark = help_mark(text)
        if mark is not None:
            # A pasted or scripted '?' acts as the key does at the console: help, nothing run.
            return Reply(output=self.help(text[:mark]))
        self._notes = []
        try:
            words = lex(text)
            if not words:
                return Reply()
            out = self._dispatch(words)
        except AdcError as err:
            out = Reply(error="\n".join(err.lines()) + "\n", failed=True)
        except RecursionError:
            out = Reply(error="Command fail. CLI parsing error\n", failed=True)
        if self._notes:
            notes, self._notes = self._notes, []
            out = Reply(output=out.output, error=out.error + "".join(n + "\n" for n in notes), failed=True, exit=out.exit)
        return out

    def commit_change(self, change: Change) -> None:
        """Hand a change to the store; keep what the appliance answers to print with this line."""
        self._notes.extend(self.store.commit(change))

    def _dispatch(self, words: list[str]) -> Reply:
        frame = self.frames[-1] if self.frames else None
        commands = self.commands()
        verb = match(words[0], commands, UnknownAction)
        handler = getattr(self, "_cmd_" + verb.replace("-", "_"))
        result = handler(words[1:], frame)
        return result if isinstance(result, Reply) else Reply(output="".join(l + "\n" for l in result))

    def commands(self) -> dict[str, str]:
        frame = self.frames[-1] if self.frames else None
        if frame is None:
            return ROOT_COMMANDS
        if isinstance(frame, TableFrame):
            return TABLE_COMMANDS
        return SINGLE_COMMANDS if frame.table.kind == "single" else ENTRY_COMMANDS

    # ----------------------------------------------------------------- paths
    def resolve_path(self, words: list[str], allow_status: bool = False) -> tuple[tuple[str, ...], list[str]]:
        """Match leading words to a table path (or a status path); returns (path, remaining words)."""
        path: tuple[str, ...] = ()
        i = 0
        while i < len(words):
            cands = self.schema.next_words(path)
            if allow_status:
                cands += [p[len(path)] for p in STATUS_PATHS if p[: len(path)] == path and len(p) > len(path)]
                cands = list(dict.fromkeys(cands))
            if not cands:
                break
            path = path + (match(words[i], cands, ParsingError),)
            i += 1
            if path in STATUS_PATHS or self.schema.table(path) is not None:
                if not self.schema.next_words(path):
                    break
        if not (self.schema.table(path) is not None or (allow_status and path in STATUS_PATHS)):
            raise ParsingError()
        return path, words[i:]

    # ----------------------------------------------------------------- root commands
    def _cmd_exit(self, args: list[str], frame: Frame | None) -> Reply:
        return Reply(exit=True)

    def _cmd_config(self, args: list[str], frame: Frame | None) -> list[str]:
        if not args:
            raise ParsingError()
        if isinstance(frame, EntryFrame):
            kids = self.view.children(frame.table, frame.work)
            name = match(args[0], [t.name for t in kids], ParsingError)
            if len(args) > 1:
                raise ParsingError()
            child = next(t for t in kids if t.name == name)
            self.frames.append(TableFrame(child, frame))
            return []
        path, rest = self.resolve_path(args)
        if rest:
            raise ParsingError()
        table = self.schema.table(path)
        assert table is not None
        if table.kind == "single":
            node = self.store.tree.nodes.get(path)
            work = node.copy() if isinstance(node, Entry) else Entry(None)
            self.frames.append(EntryFrame(table, work, None, False))
        else:
            self.frames.append(TableFrame(table, None))
        return []

    def _cmd_execute(self, args: list[str], frame: Frame | None) -> Reply | list[str]:
        from .execute import run_execute

        return run_execute(self, args)

    def _cmd_diagnose(self, args: list[str], frame: Frame | None) -> list[str]:
        from .execute import run_diagnose

        return run_diagnose(self, args)

    def ask(self, warning: str, then: Callable[[bool], Reply]) -> Reply:
        """Print a warning and wait for a y/n line (purge, factoryreset)."""
        self._question = then
        return Reply(output=warning + "\n")

    # ----------------------------------------------------------------- get / show
    def _saved_node(self, path: tuple[str, ...]) -> TableData | Entry:
        table = self.schema.table(path)
        assert table is not None
        node = self.store.tree.nodes.get(path)
        if node is None:
            return Entry(None) if table.kind == "single" else TableData()
        return node

    def _cmd_get(self, args: list[str], frame: Frame | None) -> list[str]:
        if not args:
            if frame is None:
                return []
            if isinstance(frame, TableFrame):
                return render.get_table(self._frame_table_data(frame))
            return render.get_entry(self.view, frame.table, frame.work)
        path, rest = self.resolve_path(args, allow_status=True)
        if path in STATUS_PATHS:
            if rest:
                raise ParsingError()
            text = STATUS_PATHS[path][1](self.app)
            return text.rstrip("\n").split("\n") if text else []
        table = self.schema.table(path)
        assert table is not None
        node = self._saved_node(path)
        if isinstance(node, Entry):
            if rest:
                raise ParsingError()
            return render.get_entry(self.view, table, node)
        if not rest:
            return render.get_table(node)
        entry = node.get(rest[0])
        if entry is None or len(rest) > 1:
            raise CommandFail(-13, f"entry '{rest[0]}' not found in {table.dotted}")
        return render.get_entry(self.view, table, entry)

    def _cmd_show(self, args: list[str], frame: Frame | None) -> list[str]:
        full = False
        if args and match(args[0], [FULL] + self.schema.next_words(()), ParsingError) == FULL:
            full = True
            args = args[1:]
        if not args:
            if frame is None:
                return self.show_all(full)
            return self._show_frame(frame, full)
        path, rest = self.resolve_path(args)
        table = self.schema.table(path)
        assert table is not None
        node = self._saved_node(path)
        if isinstance(node, Entry) or not rest:
            if rest:
                raise ParsingError()
            return render.show_block(self.view, table, node, full)
        entry = node.get(rest[0])
        if entry is None or len(rest) > 1:
            raise CommandFail(-13, f"entry '{rest[0]}' not found in {table.dotted}")
        return render.show_block(self.view, table, entry, full)

    def show_all(self, full: bool = False) -> list[str]:
        out: list[str] = []
        for table in self.schema.tables:
            out.extend(render.show_block(self.view, table, self._saved_node(table.path), full))
        return out

    def _show_frame(self, frame: Frame, full: bool) -> list[str]:
        if isinstance(frame, TableFrame):
            data = self._frame_table_data(frame)
            header = f"config {frame.table.name}" if frame.parent is not None else None
            return render.show_block(self.view, frame.table, data, full, header)
        header = f"config {frame.table.name}" if frame.parent is not None and frame.parent.parent is not None else None
        return render.show_block(self.view, frame.table, frame.work, full, header)

    def _frame_table_data(self, frame: TableFrame) -> TableData:
        nested = nested_data(frame)
        if nested is not None:
            return nested
        return self.store.tree.table(frame.table.path)

    # ----------------------------------------------------------------- table commands
    def _check_key(self, table: Table, key: str) -> str:
        if table.key == "integer":
            if not key.isdigit() or not key.isascii():
                raise ValueParseError(f"invalid unsigned integer value :{key}:", key[:1], -651)
            n = int(key)
            if not 0 <= n <= 4294967295:
                raise CommandFail(-12, f"entry number {key} out of range")
            return str(n)
        if not key:
            raise CommandFail(-56, "entry name must not be empty")
        bad = sorted(set(key) & set("<>()#'\""))
        if bad:
            raise ValueParseError("The string contains XSS vulnerability characters", "".join(bad), -61)
        if len(key.encode("utf-8")) > 63:
            raise CommandFail(-11, "entry name longer than 63 characters")
        return key

    def _cmd_edit(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, TableFrame)
        if len(args) != 1:
            raise FieldParseError("edit")
        table = frame.table
        key = self._check_key(table, args[0])
        data = self._frame_table_data(frame)
        existing = data.get(key)
        if existing is not None:
            if existing.reserved:
                raise CommandFail(-41, f"'{key}' is reserved by the system")
            self.frames.append(EntryFrame(table, existing.copy(), frame, False))
            return []
        if table.max_entries and len(data) >= table.max_entries:
            raise CommandFail(-14, f"at most {table.max_entries} entries in {table.dotted}")
        self.frames.append(EntryFrame(table, Entry(key), frame, True))
        return [f"Add new entry '{key}' for node {table.node_id}"]

    def _cmd_delete(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, TableFrame)
        if len(args) != 1:
            raise FieldParseError("delete")
        table = frame.table
        data = self._frame_table_data(frame)
        key = args[0]
        entry = data.get(key)
        if entry is None:
            raise CommandFail(-13, f"entry '{key}' not found in {table.dotted}")
        self._check_deletable(frame, entry)
        if frame.parent is None:
            self.commit_change(Change(table.path, key, None))
        else:
            data.remove(key)
        return []

    def _check_deletable(self, frame: TableFrame, entry: Entry) -> None:
        table = frame.table
        assert entry.key is not None
        if entry.reserved:
            raise CommandFail(-42, f"'{entry.key}' is reserved by the system")
        if frame.parent is None:
            code = self._protected.get((table.path, entry.key))
            if code:
                raise CommandFail(code, f"'{entry.key}' cannot be deleted")
            users = validate.referrers(self, table, entry.key)
            if users:
                where, who = users[0]
                raise CommandFail(-23, f"'{entry.key}' is used by {where} '{who}'")

    def _cmd_purge(self, args: list[str], frame: Frame | None) -> Reply:
        assert isinstance(frame, TableFrame)
        if args:
            raise FieldParseError(args[0])

        def answer(yes: bool) -> Reply:
            if not yes:
                return Reply()
            data = self._frame_table_data(frame)
            doomed = [
                e for e in data if not e.reserved and not self._protected.get((frame.table.path, e.key or ""))
            ]
            try:
                for e in doomed:
                    self._check_deletable(frame, e)
            except AdcError as err:
                return Reply(error="\n".join(err.lines()) + "\n", failed=True)
            for e in doomed:
                assert e.key is not None
                if frame.parent is None:
                    self.commit_change(Change(frame.table.path, e.key, None))
                else:
                    data.remove(e.key)
            return Reply()

        return self.ask("This operation will clear all table!", answer)

    # ----------------------------------------------------------------- entry commands
    def _attr_for_set(self, frame: EntryFrame, word: str) -> Attr:
        exact = self.view.attr(frame.table, frame.work, word)
        if exact is not None and not exact.readonly:
            return exact  # the common case, without listing every attribute in force
        attrs = [a for a in self.view.attrs(frame.table, frame.work) if not a.readonly]
        name = match(word, [a.name for a in attrs], FieldParseError(word))
        return next(a for a in attrs if a.name == name)

    def _cmd_set(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, EntryFrame)
        if not args:
            raise FieldParseError("set")
        attr = self._attr_for_set(frame, args[0])
        value = parse_value(attr, args[1:])
        if attr.kind == "ref":
            validate.check_refs(self, attr, value)
        frame.work.values[attr.name] = value
        return []

    def _cmd_unset(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, EntryFrame)
        if len(args) != 1:
            raise FieldParseError(args[1] if len(args) > 1 else "unset")
        attr = self._attr_for_set(frame, args[0])
        frame.work.values.pop(attr.name, None)
        return []

    def _commit(self, frame: EntryFrame) -> None:
        """Validate the working copy and save it: to the store (top level) or into the parent entry."""
        work = frame.work
        self.view.normalize(frame.table, work)
        if frame.parent is not None and frame.parent.parent is not None:
            validate.check_entry(self, frame.table, work, nested=True)
            frame.parent.parent.work.child(frame.table.name).put(work.copy())
            return
        validate.check_entry(self, frame.table, work, nested=False)
        self.commit_change(Change(frame.table.path, work.key, work))

    def _leave_entry(self, frame: EntryFrame, save: bool) -> list[str]:
        self.frames.pop()
        if save:
            self._commit(frame)
        return []

    def _cmd_next(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, EntryFrame)
        if args:
            raise FieldParseError(args[0])
        return self._leave_entry(frame, save=True)

    def _cmd_end(self, args: list[str], frame: Frame | None) -> list[str]:
        if args:
            raise FieldParseError(args[0])
        return self._close(frame, save=True)

    def _cmd_abort(self, args: list[str], frame: Frame | None) -> list[str]:
        if args:
            raise FieldParseError(args[0])
        return self._close(frame, save=False)

    def _close(self, frame: Frame | None, save: bool) -> list[str]:
        """``end``/``abort``: leave the entry (saving it or not) and the table it was in.

        A failed commit discards the entry and still leaves, as the real box does (reference §1.6).
        """
        assert frame is not None
        if isinstance(frame, EntryFrame):
            self.frames.pop()
            if frame.parent is not None:
                self.frames.pop()
            if save:
                self._commit(frame)
            return []
        self.frames.pop()
        return []

    # ----------------------------------------------------------------- ? and Tab
    def help(self, text: str) -> str:
        """The ``?`` listing for the text typed so far (the line itself is not run)."""
        from .complete import help_text

        if self._question is not None:
            return ""
        return help_text(self, text)

    def complete(self, text: str) -> list[Candidate]:
        """Tab candidates for the word under the cursor, in listing order."""
        from .complete import candidates

        return candidates(self, text)

    # ----------------------------------------------------------------- whole-config replacement
    def replay_into_fresh(self, lines: list[str], what: str) -> Reply:
        """Run ``lines`` on a factory-fresh copy; replace the config only if every line succeeded.

        Used by ``execute restore config``: a bad file changes nothing (nothing is ever half-restored).
        """
        from .script import run_lines

        scratch = _ScratchApp(self.app, ConfigStore(self.app.factory_tree()))
        session = Session(scratch)
        bad = [r for r in run_lines(session, lines) if r.reply.failed]
        if not bad and session.frames:
            return Reply(error=f"{what}: the file ends inside a config block\nCommand fail. Return code is -39\n", failed=True)
        if bad:
            first = bad[0]
            return Reply(
                error=f"{what}: line {first.lineno}: {first.line.strip()}\n{first.reply.error}Command fail. Return code is -39\n",
                failed=True,
            )
        self._notes.extend(self.app.store.replace(scratch.store.tree))
        self.frames.clear()
        return Reply(output="Configuration restored.\n")


class _ScratchApp:
    """The appliance seen through a private store: for replaying a file before committing to it."""

    def __init__(self, app: ApplianceOps, store: ConfigStore) -> None:
        self._app = app
        self.store = store
        self.schema = app.schema

    def __getattr__(self, name: str):  # status_text, factory_tree...
        return getattr(self._app, name)
