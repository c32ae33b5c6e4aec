"""The command engine: one console session, sans-IO. A line goes in, a ``Reply`` comes out.

The session dispatches commands; its state (position, working copies, the pending question) is a
``Context`` that the helpers (validation, completion, verbs) share. The configuration it edits lives in
a shared ``ConfigStore``, so several sessions (console, SSH, tests) may work on one appliance; the
appliance is reached only through ``ApplianceOps``. Every command is resolved against the schema and the
command table (``commands``); nothing here knows a table by name.
"""
from __future__ import annotations

import dataclasses

from ..config.store import Change, ConfigStore
from ..config.tree import Entry, TableData
from ..config.values import parse_key, parse_value
from ..config.view import View
from ..errors import AdcError, CommandFail, FieldParseError, ParsingError, UnknownAction
from ..schema.model import Attr, Table
from ..schema.registry import Schema
from ..schema.vdom import ROOT_VDOM, is_global
from . import complete as completion
from . import opaque_verbs, render, validate
from .commands import (DIAGNOSE, EXECUTE, FILTERABLE, FULL, QUESTION, STATUS_PATHS, TABLE_SUMMARIES, VDOM_WORDS,
                       commands_for)
from .context import Context
from .frames import EntryFrame, Frame, OpaqueFrame, ScopeFrame, TableFrame, truncate16
from .lexer import MAX_LINE, continues, help_mark, lex, too_long
from .ops import ApplianceOps
from .outfilter import Grep, parse_grep, split_pipes
from .reply import Candidate, Reply
from .verb import find_verb
from .words import match

# refused in an area the profile may only read (``edit`` of a new entry is refused in ``_cmd_edit``)
WRITES = frozenset({"set", "unset", "delete", "purge"})


class Session:
    def __init__(self, app: ApplianceOps, store: ConfigStore | None = None) -> None:
        self.ctx = Context(app, store, Session)
        self._pending: str = ""  # a line continued with a trailing backslash
        self._dropped = 0  # the length so far of a continued line over MAX_LINE (its text is not kept)
        self._raw = ""  # the command being run, as typed (a line kept as text keeps its values so)

    # ----------------------------------------------------------------- reading the store
    @property
    def app(self) -> ApplianceOps:
        return self.ctx.app

    @property
    def store(self) -> ConfigStore:
        return self.ctx.store

    @property
    def schema(self) -> Schema:
        return self.ctx.schema

    @property
    def view(self) -> View:
        return self.ctx.view

    @property
    def frames(self) -> list[Frame]:
        return self.ctx.frames

    def hostname(self) -> str:
        return self.ctx.hostname()

    @property
    def prompt(self) -> str:
        if self.ctx.question is not None:
            return QUESTION
        if self.continuing:
            return "> "
        host = truncate16(self.hostname())
        mark = "$" if self.ctx.access.read_only else "#"
        frame = self.ctx.frame
        if frame is None:
            return f"{host} {mark} "
        return f"{host} ({truncate16(frame.scope)}) {mark} "

    @property
    def depth(self) -> int:
        return len(self.ctx.frames)

    @property
    def awaiting_answer(self) -> bool:
        """A y/n question (purge, factoryreset, restore) waits for the next line."""
        return self.ctx.question is not None

    @property
    def continuing(self) -> bool:
        """A line ended with ``\\`` and the command goes on in the next line."""
        return bool(self._pending) or self._dropped > 0

    def cancel(self) -> None:
        """Ctrl+C: drop a continued line, and answer a pending question with no."""
        self._pending = ""
        self._dropped = 0
        self.ctx.question = None

    # ----------------------------------------------------------------- the entry point
    def execute(self, line: str) -> Reply:
        """Run one input line. Never raises for bad input: errors come back in the reply.

        A line holds at most ``MAX_LINE`` characters, the lines that continue it included. Past that its
        text is dropped at once and only its length is kept: the lines that still continue it are taken
        in silence (its tail is never run as commands of its own) and the one that ends it is answered
        with ``line too long``; the session is back at its prompt.
        """
        ctx = self.ctx
        if ctx.question is not None:
            answer, ctx.question = ctx.question, None
            try:
                return answer(line.strip()[:1] in ("y", "Y"))
            except AdcError as err:  # refused on the way (a read-only administrator's factoryreset)
                return Reply(error="\n".join(err.lines()) + "\n", failed=True)
        more = continues(line)
        size = self._dropped + len(self._pending) + (len(line.rstrip()) - 1 if more else len(line))
        if self._dropped or size > MAX_LINE:
            self._pending = ""
            if more:
                self._dropped = size
                return Reply()
            self._dropped = 0
            return Reply(error="\n".join(too_long(size).lines()) + "\n", failed=True)
        if more:
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
        ctx.notes = []
        try:
            command, *pipes = split_pipes(text)
            words = lex(command)
            if not words:
                return Reply()
            out = self._dispatch(words, [parse_grep(lex(p)) for p in pipes], command if pipes else line.lstrip())
        except AdcError as err:
            out = Reply(error="\n".join(err.lines()) + "\n", failed=True)
        except RecursionError:
            out = Reply(error="Command fail. CLI parsing error\n", failed=True)
        except OSError as err:  # the machine said no (a full disk under a certificate file...): the line fails
            failure = CommandFail(-26, f"the appliance could not do it: {err.strerror or type(err).__name__}")
            out = Reply(error="\n".join(failure.lines()) + "\n", failed=True)
        if ctx.notes:
            notes, ctx.notes = ctx.notes, []
            # the commit is taken (a real box takes it): what this host cannot do is a notice, not a failure
            out = dataclasses.replace(out, notice=out.notice + "".join(n + "\n" for n in notes))
        return out

    def _dispatch(self, words: list[str], greps: list[Grep] | None = None, raw: str = "") -> Reply:
        """Run one command; ``greps`` (``| grep ...``) filter what ``show``, ``get`` and ``diagnose`` print;
        ``raw``: the command as typed (a table kept as text keeps a ``set`` line's values so)."""
        frame = self.ctx.frame
        verb = match(words[0], commands_for(frame), UnknownAction)
        if greps and verb not in FILTERABLE:
            raise ParsingError()
        if verb in WRITES and frame is not None and not isinstance(frame, ScopeFrame):
            self.ctx.access.check_write(frame.table.path)  # refused at once, not at next/end
        self._raw = raw
        if isinstance(frame, OpaqueFrame):
            result: Reply | list[str] = opaque_verbs.run(self.ctx, frame, words, raw)
        else:
            result = getattr(self, "_cmd_" + verb.replace("-", "_"))(words[1:], frame)
        if greps:
            lines = result.output.splitlines() if isinstance(result, Reply) else result
            for grep in greps:
                lines = grep.apply(lines)
            filtered = "".join(l + "\n" for l in lines)
            return Reply(filtered, result.error, result.failed, result.exit) if isinstance(result, Reply) else Reply(filtered)
        return result if isinstance(result, Reply) else Reply(output="".join(l + "\n" for l in result))

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
                if i < len(words) and not any(w.startswith(words[i]) for w in self.schema.next_words(path)):
                    break  # an entry key of a table that also heads a longer path (``log report``)
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
            if self.ctx.restoring and len(args) == 1 and not any(t.name.startswith(args[0]) for t in frame.table.children):
                self.frames.append(opaque_verbs.keep_nested(self.ctx, frame, args[0]))  # a newer firmware's
                return []
            name = match(args[0], [t.name for t in kids], ParsingError)
            if len(args) > 1:
                raise ParsingError()
            child = next(t for t in kids if t.name == name)
            self.frames.append(TableFrame(child, frame))
            return []
        if frame is None and self.ctx.vdom_mode():
            # VDOM mode: the top level offers only the wrappers (CLI744 p. 633)
            if len(args) > 1:
                raise ParsingError()
            self.frames.append(ScopeFrame(match(args[0], VDOM_WORDS, ParsingError)))
            return []
        try:
            path, rest = self.resolve_path(args)
        except ParsingError:
            if not self.ctx.restoring:
                raise
            self.frames.append(opaque_verbs.keep_unknown(self.ctx, args))  # a newer firmware's table
            return []
        if rest:
            raise ParsingError()
        self.ctx.access.check_read(path)
        table = self.schema.table(path)
        assert table is not None
        if table.opaque:
            self.frames.append(opaque_verbs.open_frame(self.ctx, table))
        elif table.kind == "single":
            node = self.store.tree.nodes.get(path)
            work = node.copy() if isinstance(node, Entry) else Entry(None)
            self.frames.append(EntryFrame(table, work, None, False))
        else:
            self.frames.append(TableFrame(table, None))
        return []

    def _cmd_execute(self, args: list[str], frame: Frame | None) -> Reply | list[str]:
        if frame is not None:
            raise UnknownAction()
        verb, rest = find_verb(EXECUTE, args)
        return verb.run(self.ctx, rest)

    def _cmd_diagnose(self, args: list[str], frame: Frame | None) -> Reply | list[str]:
        if frame is not None:
            raise UnknownAction()
        verb, rest = find_verb(DIAGNOSE, args)
        return verb.run(self.ctx, rest)

    # ----------------------------------------------------------------- get / show
    def _cmd_get(self, args: list[str], frame: Frame | None) -> list[str]:
        if not args:
            if frame is None:
                return []
            if isinstance(frame, ScopeFrame):
                return [f"== [ {ROOT_VDOM} ]"] if frame.is_vdom_table else []
            if isinstance(frame, TableFrame):
                return render.get_table(self.ctx.table_data(frame))
            assert isinstance(frame, EntryFrame)  # a table kept as text answers in ``opaque_verbs``
            return render.get_entry(self.view, frame.table, frame.work)
        path, rest = self.resolve_path(args, allow_status=True)
        if path in STATUS_PATHS:
            report = STATUS_PATHS[path][1]
            if rest and not getattr(report, "any_args", False):
                raise ParsingError()
            return report(self.app)
        self.ctx.access.check_read(path)
        table = self.schema.table(path)
        assert table is not None
        node = self.ctx.saved_node(path)
        if table.opaque:
            return opaque_verbs.get_lines(opaque_verbs.opaque.block_of(node if isinstance(node, Entry) else None))
        if isinstance(node, Entry):
            if rest:
                raise ParsingError()
            return render.get_entry(self.view, table, node)
        if not rest:
            summary = TABLE_SUMMARIES.get(path)
            return summary(self.app) if summary is not None else render.get_table(node)
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
        self.ctx.access.check_read(path)
        table = self.schema.table(path)
        assert table is not None
        node = self.ctx.saved_node(path)
        if table.opaque:
            if len(rest) > 1:
                raise ParsingError()
            return opaque_verbs.show_table(table, node, rest[0] if rest else None)
        if isinstance(node, Entry) or not rest:
            if rest:
                raise ParsingError()
            return render.show_block(self.view, table, node, full, base=self._factory_table(table))
        entry = node.get(rest[0])
        if entry is None or len(rest) > 1:
            raise CommandFail(-13, f"entry '{rest[0]}' not found in {table.dotted}")
        return render.show_block(self.view, table, entry, full, base=self._factory_table(table))

    def _factory_table(self, table: Table) -> TableData | None:
        node = self.ctx.factory().nodes.get(table.path)
        return node if isinstance(node, TableData) else None

    def show_all(self, full: bool = False) -> list[str]:
        """The whole configuration; in VDOM mode in its wrappers (``config global``, ``config vdom``)."""
        if self.ctx.vdom_mode():
            return render.show_vdoms(self.view, self.schema, self.store.tree, full, self.ctx.factory(),
                                     visible=self.ctx.access.can_read)
        return render.show_tree(self.view, self.schema, self.store.tree, full, self.ctx.factory(),
                                visible=self.ctx.access.can_read)

    def _show_scope(self, frame: ScopeFrame, full: bool) -> list[str]:
        """``show`` inside a wrapper: the global tables in ``config global``, the others in a VDOM."""
        if frame.is_vdom_table:
            return [f"edit {ROOT_VDOM}", "next"]
        want = frame.name == "global"
        return render.show_tree(self.view, self.schema, self.store.tree, full, self.ctx.factory(),
                                visible=lambda p: is_global(p) == want and self.ctx.access.can_read(p))

    def _show_frame(self, frame: Frame, full: bool) -> list[str]:
        if isinstance(frame, ScopeFrame):
            return self._show_scope(frame, full)
        if isinstance(frame, TableFrame):
            data = self.ctx.table_data(frame)
            header = f"config {frame.table.name}" if frame.parent is not None else None
            return render.show_block(self.view, frame.table, data, full, header,
                                     self._factory_table(frame.table) if frame.parent is None else None)
        assert isinstance(frame, EntryFrame)  # a table kept as text answers in ``opaque_verbs``
        header = f"config {frame.table.name}" if frame.parent is not None and frame.parent.parent is not None else None
        base = self._factory_table(frame.table) if frame.parent is not None and frame.parent.parent is None else None
        return render.show_block(self.view, frame.table, frame.work, full, header, base)

    # ----------------------------------------------------------------- table commands
    def _cmd_edit(self, args: list[str], frame: Frame | None) -> list[str]:
        if isinstance(frame, ScopeFrame):
            return self._edit_vdom(args)
        assert isinstance(frame, TableFrame)
        if len(args) != 1:
            raise FieldParseError("edit")
        table = frame.table
        key = parse_key(table, args[0])
        data = self.ctx.table_data(frame)
        existing = data.get(key)
        if existing is not None:
            # A predefined entry opens like any other (a backup holds it with its values); what its commit
            # may change is checked then (``_check_predefined``).
            self.frames.append(EntryFrame(table, existing.copy(), frame, False))
            return []
        self.ctx.access.check_write(table.path)  # read access opens what exists, never makes an entry
        if table.max_entries and len(data) >= table.max_entries:
            raise CommandFail(-14, f"at most {table.max_entries} entries in {table.dotted}")
        self.frames.append(EntryFrame(table, Entry(key), frame, True))
        return [f"Add new entry '{key}' for node {table.node_id}"]

    def _edit_vdom(self, args: list[str]) -> list[str]:
        """``config vdom`` / ``edit root``: the one virtual domain of this appliance (a box licensed for
        one VDOM refuses a second with -14)."""
        if len(args) != 1:
            raise FieldParseError("edit")
        if args[0] != ROOT_VDOM:
            raise CommandFail(-14, f"at most 1 virtual domain here ({ROOT_VDOM})")
        self.frames.append(ScopeFrame(ROOT_VDOM))
        return []

    def _cmd_delete(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, TableFrame)
        if len(args) != 1:
            raise FieldParseError("delete")
        table = frame.table
        data = self.ctx.table_data(frame)
        key = args[0]
        entry = data.get(key)
        if entry is None:
            raise CommandFail(-13, f"entry '{key}' not found in {table.dotted}")
        self._check_deletable(frame, entry)
        if frame.parent is None:
            self.ctx.commit(Change(table.path, key, None))
        else:
            data.remove(key)
        return []

    def _check_deletable(self, frame: TableFrame, entry: Entry) -> None:
        table = frame.table
        assert entry.key is not None
        if entry.reserved:
            raise CommandFail(-42, f"'{entry.key}' is reserved by the system")
        if frame.parent is None:
            code = self.ctx.protected_code(table, entry.key)
            if code:
                raise CommandFail(code, f"'{entry.key}' cannot be deleted")
            users = validate.referrers(self.ctx, table, entry.key)
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
            data = self.ctx.table_data(frame)
            doomed = [e for e in data if not e.reserved and not self.ctx.protected_code(frame.table, e.key or "")]
            try:
                for e in doomed:
                    self._check_deletable(frame, e)
            except AdcError as err:
                return Reply(error="\n".join(err.lines()) + "\n", failed=True)
            for e in doomed:
                assert e.key is not None
                if frame.parent is None:
                    self.ctx.commit(Change(frame.table.path, e.key, None))
                else:
                    data.remove(e.key)
            return Reply()

        return self.ctx.ask("This operation will clear all table!", answer)

    # ----------------------------------------------------------------- entry commands
    def _attr_for_set(self, frame: EntryFrame, word: str) -> Attr:
        exact = self.view.attr(frame.table, frame.work, word)
        if exact is not None and not exact.readonly:
            return exact  # the common case, without listing every attribute in force
        attrs = [a for a in self.view.attrs(frame.table, frame.work) if not a.readonly]
        name = match(word, [a.name for a in attrs], FieldParseError(word))
        return next(a for a in attrs if a.name == name)

    @staticmethod
    def _unknown(frame: EntryFrame, word: str) -> bool:
        """No attribute or nested table of the entry's table is called ``word`` (whatever its condition):
        in a restored backup such a line is kept as text (``opaque_verbs.keep_attr``); a known name not in
        force, or a prefix of one, is parsed as at the console."""
        return not any(i.name.startswith(word) for i in frame.table.items)

    def _cmd_set(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, EntryFrame)
        if not args:
            raise FieldParseError("set")
        if self.ctx.restoring and self._unknown(frame, args[0]):
            opaque_verbs.keep_attr(self.ctx, frame, "set", args[0], self._raw)
            return []
        attr = self._attr_for_set(frame, args[0])
        value = parse_value(attr, args[1:])
        if attr.kind == "ref":
            validate.check_refs(self.ctx, attr, value)
        frame.work.values[attr.name] = value
        return []

    def _cmd_unset(self, args: list[str], frame: Frame | None) -> list[str]:
        assert isinstance(frame, EntryFrame)
        if len(args) != 1:
            raise FieldParseError(args[1] if len(args) > 1 else "unset")
        if self._unknown(frame, args[0]):
            if self.ctx.restoring:
                opaque_verbs.keep_attr(self.ctx, frame, "unset", args[0], self._raw)
                return []
            if opaque_verbs.drop_attr(frame, args[0]):  # a line kept from a restored backup goes
                return []
        attr = self._attr_for_set(frame, args[0])
        frame.work.values.pop(attr.name, None)
        return []

    def _commit(self, frame: EntryFrame) -> None:
        """Validate the working copy and save it: to the store (top level) or into the parent entry."""
        work = frame.work
        if not self.ctx.access.can_write(frame.table.path):
            self._check_unchanged(frame)  # a read-only look (``config``/``edit`` then ``end``) saves nothing
            return
        self.view.normalize(frame.table, work)
        if frame.parent is not None and frame.parent.parent is not None:
            validate.check_entry(self.ctx, frame.table, work)
            frame.parent.parent.work.child(frame.table.name).put(work.copy())
            return
        if work.reserved and work.key is not None:
            factory = self.ctx.factory_entry(frame.table, work.key)
            if factory is not None:
                self._check_predefined(frame.table, work, factory)
        validate.check_entry(self.ctx, frame.table, work)
        self.ctx.commit(Change(frame.table.path, work.key, work))

    def _check_unchanged(self, frame: EntryFrame) -> None:
        """Leaving an entry of an area the session may only read: refused (-37) if it would change it."""
        saved: Entry | None
        if frame.parent is None:
            node = self.store.tree.nodes.get(frame.table.path)
            saved = node if isinstance(node, Entry) else Entry(None)
        else:
            saved = self.ctx.table_data(frame.parent).get(frame.work.key or "")
        if saved != frame.work:
            self.ctx.access.check_write(frame.table.path)

    def _check_predefined(self, table: Table, work: Entry, factory: Entry, nested: bool = False) -> None:
        """A predefined entry commits only as the kind of object it is (-41 otherwise): its ``type`` (a
        profile's, method's, persistence's, health check's, WAF action's...) cannot change, nor the members
        of its predefined nested tables (``LOCAL_CERT_GROUP``'s ``Factory`` member), and a member keeps the
        values the factory gives it. Its other values are taken as a real box's backup states them: the box
        writes its own factory values there, which the reference does not give (a predefined profile's
        timeouts, a real-server SSL profile's ciphers) and adc cannot know them all.
        """
        names = factory.values if nested else [i.name for i in table.attrs if i.name == "type"][:1]
        for name in names:
            attr = self.view.attr(table, work, name)
            if attr is None or self.view.raw(table, work, name) != self.view.raw(table, factory, name):
                raise CommandFail(-41, f"'{work.key}' is reserved by the system: {name} cannot change")
        for name, kids in factory.children.items():
            child = table.child(name)
            have = work.children.get(name, TableData())
            if child is None:
                continue
            if [k.key for k in have] != [k.key for k in kids]:
                raise CommandFail(-41, f"'{work.key}' is reserved by the system: {name} cannot change")
            for kid in kids:
                mine = have.get(kid.key or "")
                assert mine is not None
                self._check_predefined(child, mine, kid, nested=True)

    def _cmd_next(self, args: list[str], frame: Frame | None) -> list[str]:
        if args:
            raise FieldParseError(args[0])
        if isinstance(frame, ScopeFrame):  # leaving ``edit root`` for ``config vdom``
            self.frames.pop()
            return []
        assert isinstance(frame, EntryFrame)
        self.frames.pop()
        self._commit(frame)
        return []

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
        self.frames.pop()
        if isinstance(frame, ScopeFrame):
            if frame.name != "global" and not frame.is_vdom_table and self.frames:
                self.frames.pop()  # ``end`` in ``edit root`` leaves ``config vdom`` too
            return []
        if isinstance(frame, EntryFrame):
            if frame.parent is not None:
                self.frames.pop()
            if save:
                self._commit(frame)
        return []

    # ----------------------------------------------------------------- ? and Tab
    def help(self, text: str) -> str:
        """The ``?`` listing for the text typed so far (the line itself is not run)."""
        if self.ctx.question is not None:
            return ""
        return completion.help_text(self.ctx, text)

    def complete(self, text: str) -> list[Candidate]:
        """Tab candidates for the word under the cursor, in listing order."""
        return completion.candidates(self.ctx, text)
