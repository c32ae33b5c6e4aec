"""One SSH channel in front of one engine session: the console over the network.

Three ways in, chosen by what the client asks for:

- a terminal (a pty whose type is not in ``LINE_TERMS``): the local console's prompt_toolkit prompt,
  with ``?``, Tab, history, paste and ``--More--`` (when ``config system console`` says ``output more``);
- no terminal, or a ``dumb`` or ``vt100`` one: a plain line mode that automation drives (each line
  echoed, the reply, the prompt at the end of the output; no escape codes, no paging);
- a command (``ssh host get system status``): its output, then the channel closes.

The engine runs in a worker thread under the appliance's lock (one command at a time across every
console), never on the event loop, so a slow command (a health probe) stalls nobody else. ``exit``,
Ctrl+D or (at the top prompt) Ctrl+C end this channel only. A session idle for ``admin-idle-timeout``
minutes is logged out.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Callable, TextIO, cast

import asyncssh
from prompt_toolkit import PromptSession
from prompt_toolkit.application.current import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.key_binding import merge_key_bindings
from prompt_toolkit.output.vt100 import Vt100_Output

from adc.config.tree import Entry
from adc.engine.lexer import MAX_LINE, too_long
from adc.engine.reply import Candidate, Reply
from adc.errors import AdcError

from .completer import EngineCompleter
from .console import BoundedHistory, line_limit_bindings, more_application
from .keys import Interrupted, Pasted, _in_quote, build_key_bindings
from .pager import Pager
from .progress import THRESHOLD, Progress
from .script_runner import echo_line

if TYPE_CHECKING:
    from adc.appliance import Appliance
    from adc.engine.session import Session

# Terminal types served in line mode: ``dumb``, and ``vt100``, what paramiko, netmiko and Ansible's
# network_cli ask for (terminal emulators announce xterm, screen, tmux, linux...): automation reads
# plain text, as from the box.
LINE_TERMS = frozenset({"dumb", "vt100"})
GREETING = "Welcome!"
BATCH = 100  # line mode: at most this many waiting lines per trip to the worker thread  # CLI744 p. 37: printed after a successful login, before the prompt
NL = "\r\n"


def console_paging(app: "Appliance") -> bool:
    """``config system console`` ``set output more`` (the default): page long output."""
    node = app.store.tree.nodes.get(("system", "console"))
    value = node.values.get("output", "more") if isinstance(node, Entry) else "more"
    return value == "more"


def idle_minutes(app: "Appliance") -> int:
    node = app.store.tree.nodes.get(("system", "global"))
    value = node.values.get("admin-idle-timeout", "30") if isinstance(node, Entry) else "30"
    return int(value) if isinstance(value, str) and value.isdigit() else 30


class Engine:
    """The session's engine as the event loop sees it: each line run in a worker under the lock."""

    def __init__(self, app: "Appliance", session: "Session", executor: Executor) -> None:
        self.app = app
        self.session = session
        self.executor = executor

    def _run(self, line: str) -> Reply:
        try:
            with self.app.lock:
                reply = self.session.execute(line)  # the engine applies `| grep ...` itself
        except Exception as exc:  # an engine bug must not end the channel
            return Reply(error=f"internal error: {type(exc).__name__}: {exc}\n", failed=True)
        return reply

    async def run(self, line: str) -> Reply:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._run, line)

    def _batch(self, lines: list[tuple[str, bool]]) -> tuple[str, bool]:
        """Run lines in order as line mode shows them: each echoed (unless it was as typed), its reply,
        the prompt. True when one ended the session (the lines after it are not run)."""
        out: list[str] = []
        for line, echoed in lines:
            if not echoed:
                out.append(line + NL)
            reply = self._run(line)
            out.append((reply.output + reply.error + reply.notice).replace("\n", NL))
            if reply.exit:
                return "".join(out), True
            out.append(self.session.prompt)
        return "".join(out), False

    async def run_batch(self, lines: list[tuple[str, bool]]) -> tuple[str, bool]:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._batch, lines)

    def _paste(self, lines: list[str], emit: Callable[[str], None]) -> bool:
        """A long paste, as the local console runs it: a progress line instead of every line echoed,
        each failing line reported. False when a line ended the session."""
        progress = Progress(len(lines))
        for n, line in enumerate(lines, start=1):
            reply = self._run(line)
            progress.step(reply.failed)
            if reply.failed:
                emit(f"\rline {n}: {echo_line(line)}\n{reply.error}")
            if reply.notice:  # taken, but not carried out on this host
                emit(f"\rline {n}: {reply.notice}")
            if reply.exit:
                emit(progress.summary())
                return False
            if progress.due():
                emit(progress.line())
        emit(progress.summary())
        return True

    async def paste(self, lines: list[str], write: Callable[[str], None]) -> bool:
        loop = asyncio.get_running_loop()

        def emit(text: str) -> None:
            loop.call_soon_threadsafe(write, text.replace("\n", NL))

        return await loop.run_in_executor(self.executor, self._paste, lines, emit)


class LockedHelp:
    """``?`` and Tab of a session, read under the appliance's lock: they run on the event loop while
    another session may be committing in a worker thread. The loop waits at most ``HELP_WAIT`` seconds
    for a running command; past that the key shows nothing rather than stall every session."""

    HELP_WAIT = 0.5

    def __init__(self, app: "Appliance", session: "Session") -> None:
        self.app = app
        self.session = session

    @property
    def prompt(self) -> str:
        return self.session.prompt

    def help(self, text: str) -> str:
        if not self.app.lock.acquire(timeout=self.HELP_WAIT):
            return ""
        try:
            return self.session.help(text)
        finally:
            self.app.lock.release()

    def complete(self, text: str) -> list[Candidate]:
        if not self.app.lock.acquire(timeout=self.HELP_WAIT):
            return []
        try:
            return self.session.complete(text)
        finally:
            self.app.lock.release()


class ConsoleChannel(asyncssh.SSHServerSession):
    """The SSH session of one logged-in administrator."""

    def __init__(self, engine: Engine, on_end: Callable[[str], None], idle_scale: float = 60.0) -> None:
        self.engine = engine
        self.on_end = on_end  # told "logout" or "time out" when the channel ends
        self.idle_scale = idle_scale  # seconds in a minute of admin-idle-timeout
        self.chan: Any = None
        self.command: str | None = None
        self.task: asyncio.Task[None] | None = None
        self.pipe: PipeInput | None = None  # terminal mode: the keys, to prompt_toolkit
        self.app_session: Any = None
        # line mode: input events (``_put``), each with whether it was already echoed
        self.lines: asyncio.Queue[tuple[str, str, bool]] = asyncio.Queue()
        self._partial = ""
        self._dropped = 0  # line mode: the length of a line over MAX_LINE, whose text is not kept
        self.ended = "logout"
        self._early = ""

    # ------------------------------------------------------------------ asyncssh callbacks
    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: object, term_modes: object) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True

    def session_started(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._main())

    def data_received(self, data: str, datatype: object) -> None:
        if self.pipe is not None:
            self.pipe.send_text(data)
        elif self.command is None and self.terminal is not None:
            self._early += data  # typed before the console is up: kept for it
        else:
            self._feed(data)

    def eof_received(self) -> bool:
        """The client sent all it will: what was typed still runs, then the channel closes (by us)."""
        if self.pipe is not None:
            self.pipe.send_text("\x04")
        else:
            if self._partial:
                self._feed("\n")
            self._put("end")
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if self.app_session is not None and self.app_session.app is not None:
            self.app_session.app._on_resize()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.pipe is not None:
            self.pipe.close()

    # ------------------------------------------------------------------ the three modes
    @property
    def terminal(self) -> str | None:
        """The terminal type that gets the full console; None for line mode (LINE_TERMS or no pty)."""
        term = self.chan.get_terminal_type()
        return term if term and term.lower() not in LINE_TERMS else None

    def write(self, text: str) -> None:
        try:
            self.chan.write(text)
        except (BrokenPipeError, ConnectionError, asyncssh.Error):
            pass

    async def _main(self) -> None:
        try:
            if self.command is not None:
                reply = await self.engine.run(self.command)
                self.write((reply.output + reply.error + reply.notice).replace("\n", NL))
                self.chan.exit(1 if reply.failed else 0)
                return
            if self.terminal is not None:
                await self._terminal()
            else:
                await self._line_mode()
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # one bad channel never takes the server down
            self.write(f"{NL}internal error: {type(exc).__name__}{NL}")
        finally:
            self.on_end(self.ended)
            try:
                self.chan.exit(0)  # exit status 0 and close: the session ended as asked
            except Exception:
                pass

    def _idle(self) -> float:
        return idle_minutes(self.engine.app) * self.idle_scale

    # ------------------------------------------------------------------ line mode
    def _put(self, kind: str, text: str = "") -> None:
        """Queue one input event: ``line``, ``long`` (a line over MAX_LINE: its length), ``intr``, ``end``."""
        self.lines.put_nowait((kind, text, self._echoed))
        self._echoed = False

    def _typing(self) -> bool:
        """A person typing at a line-mode terminal sees each key at once; lines that arrive while a
        command runs (a paste, a script) are echoed whole when their turn comes, after the reply before."""
        return self.chan.get_terminal_type() is not None and self.lines.empty() and not self._busy

    def _feed(self, data: str) -> None:
        """Split what arrives into lines (CR, LF or CRLF); Ctrl+C drops the line, Ctrl+D on an empty
        one ends. A line over MAX_LINE keeps only its length."""
        for ch in data:
            if ch in "\r\n":
                if ch == "\n" and self._partial == "" and self._last_cr:
                    self._last_cr = False
                    continue
                self._last_cr = ch == "\r"
                if self._echoed:
                    self.write(NL)
                if self._dropped:
                    self._put("long", str(self._dropped + len(self._partial)))
                else:
                    self._put("line", self._partial)
                self._partial, self._dropped = "", 0
                continue
            self._last_cr = False
            if ch == "\x03":
                self._put("intr")
                self._partial, self._dropped = "", 0
            elif ch == "\x04" and not self._partial and not self._dropped:
                self._put("end")
            elif ch == "?" and self._echoed and not _in_quote(self._partial):
                # typing at a line-mode terminal: ? lists what may come next at once, as on the box
                listing = LockedHelp(self.engine.app, self.engine.session).help(self._partial)
                self.write("?" + NL + listing.replace("\n", NL) + self.engine.session.prompt + self._partial)
            elif ch in "\x7f\b":
                if self._partial and self._echoed:
                    self.write("\b \b")
                self._partial = self._partial[:-1]
            else:
                if not self._partial and self._typing():
                    self._echoed = True
                if self._echoed and ch.isprintable():
                    self.write(ch)
                self._partial += ch
                if len(self._partial) > MAX_LINE:
                    self._dropped += len(self._partial)
                    self._partial = ""

    _last_cr = False
    _echoed = False  # the line being received was echoed key by key
    _busy = False  # a command is running

    async def _line_mode(self) -> None:
        session = self.engine.session
        self.write(GREETING + NL + NL + session.prompt)
        while True:
            try:
                kind, line, echoed = await asyncio.wait_for(self.lines.get(), self._idle())
            except asyncio.TimeoutError:
                self.ended = "time out"
                self.write(NL)
                return
            if kind == "end":
                self.write(NL)
                return
            if kind == "intr":
                self.write("^C" + NL)
                if session.awaiting_answer or session.continuing:
                    session.cancel()
                elif session.depth == 0:
                    return
                self.write(session.prompt)
                continue
            if kind == "long":
                self.write(("" if echoed else "..." + NL) + "\n".join(too_long(int(line)).lines()).replace("\n", NL) + NL)
                self.write(session.prompt)
                continue
            # Lines already waiting (a paste, a script) run in one trip to the worker thread.
            batch = [(line, echoed)]
            while len(batch) < BATCH and not self.lines.empty() and self.lines._queue[0][0] == "line":  # type: ignore[attr-defined]
                _, more, more_echoed = self.lines.get_nowait()
                batch.append((more, more_echoed))
            self._busy = True
            try:
                text, ended = await self.engine.run_batch(batch)
            finally:
                self._busy = False
            self.write(text)
            if ended:
                return

    # ------------------------------------------------------------------ terminal mode
    def _size(self) -> Size:
        width, height, _, _ = self.chan.get_terminal_size()
        return Size(rows=height or 24, columns=width or 80)

    async def _terminal(self) -> None:
        chan = self.chan

        class Stdout:
            encoding = "utf-8"

            def write(_self, data: str) -> None:
                self.write(data.replace("\n", NL))

            def isatty(_self) -> bool:
                return True

            def flush(_self) -> None:
                pass

        output = Vt100_Output(cast(TextIO, Stdout()), self._size, term=self.terminal, enable_cpr=False)
        if hasattr(chan, "set_line_mode"):
            chan.set_line_mode(False)
        with create_pipe_input() as pipe:
            self.pipe = pipe
            if self._early:
                pipe.send_text(self._early)
                self._early = ""
            with create_app_session(input=pipe, output=output) as app_session:
                self.app_session = app_session
                await self._prompt_loop(pipe, output)

    async def _prompt_loop(self, pipe: PipeInput, output: Vt100_Output) -> None:
        session = self.engine.session
        helps = LockedHelp(self.engine.app, session)
        prompt = PromptSession[object](
            input=pipe,
            output=output,
            history=BoundedHistory(),
            completer=EngineCompleter(helps),
            complete_while_typing=False,
            key_bindings=merge_key_bindings([build_key_bindings(helps), line_limit_bindings()]),
        )
        self.write(GREETING + NL + NL)
        default = ""
        while True:
            try:
                got = await asyncio.wait_for(prompt.prompt_async(session.prompt, default=default), self._idle())
            except asyncio.TimeoutError:
                self.ended = "time out"
                self.write(NL)
                return
            except (EOFError, KeyboardInterrupt):
                return
            default = ""
            if isinstance(got, Interrupted):
                if session.awaiting_answer:
                    await self._show(await self.engine.run("n"), pipe, output)
                elif session.continuing:
                    session.cancel()
                elif not got.line and session.depth == 0:
                    return
                continue
            lines: list[str]
            if isinstance(got, Pasted):
                default = got.rest
                lines = list(got.lines)
            else:
                lines = [str(got)]
            if len(lines) > THRESHOLD:
                for line in lines:
                    if line.strip():
                        prompt.history.append_string(line)
                if not await self.engine.paste(lines, self.write):
                    return
                continue
            for i, line in enumerate(lines):
                if i:
                    self.write(session.prompt + line + NL)
                if line.strip():
                    prompt.history.append_string(line)
                reply = await self.engine.run(line)
                await self._show(reply, pipe, output)
                if reply.exit:
                    return

    async def _show(self, reply: Reply, pipe: PipeInput, output: Vt100_Output) -> None:
        text = reply.output + reply.error + reply.notice
        if not text:
            return
        if not console_paging(self.engine.app):
            self.write(text.replace("\n", NL))
            return
        size = self._size()
        pager = Pager(text, size.rows, size.columns)
        self.write(pager.page().replace("\n", NL))
        while not pager.done:
            try:
                key = await more_application(pipe, output).run_async()
            except (EOFError, KeyboardInterrupt):
                key = "quit"
            if key == "quit":
                return
            self.write((pager.page() if key == "page" else pager.line()).replace("\n", NL))
