"""The interactive console: a prompt_toolkit prompt in front of one engine session.

Input and output are parameters, so the same loop serves a terminal, the tests (pipe input and a
captured output) and, later, an SSH or telnet connection. The loop only reads a line, hands it to
the engine and prints the reply (through ``--More--`` when it is taller than the screen).
"""
from __future__ import annotations

from collections import deque
from contextlib import nullcontext
from typing import TYPE_CHECKING, AsyncGenerator, Callable, ContextManager, Iterable

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application, get_app
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import History
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.output import Output

from adc.engine.lexer import MAX_LINE
from adc.engine.reply import Reply

from .completer import EngineCompleter
from .keys import Interrupted, Pasted, build_key_bindings
from .progress import THRESHOLD, Progress
from .pager import MORE, PagerKey, run_pager
from .script_runner import echo_line

if TYPE_CHECKING:
    from adc.appliance import Appliance
    from adc.engine.session import Session

# The lines Up/Down recall at most.
HISTORY_LINES = 1000


class BoundedHistory(History):
    """The console's history: the last ``size`` lines, newest first, none longer than the engine accepts.

    A refused over-long line is not worth recalling, and neither typing nor pasting a long script grows
    the console without bound.
    """

    def __init__(self, size: int = HISTORY_LINES) -> None:
        super().__init__()
        self._kept: deque[str] = deque(maxlen=size)

    async def load(self) -> AsyncGenerator[str, None]:
        for line in self.load_history_strings():
            yield line

    def load_history_strings(self) -> Iterable[str]:
        return list(reversed(self._kept))

    def get_strings(self) -> list[str]:
        return list(self._kept)

    def append_string(self, string: str) -> None:
        if len(string) <= MAX_LINE:
            self._kept.append(string)

    def store_string(self, string: str) -> None:
        self.append_string(string)


def line_limit_bindings() -> KeyBindings:
    """Typing stops at ``MAX_LINE`` characters, the most the engine accepts: a further key that would
    insert text rings the bell instead."""
    kb = KeyBindings()

    @kb.add(Keys.Any, filter=Condition(lambda: len(get_app().current_buffer.text) >= MAX_LINE))
    def _full(event: KeyPressEvent) -> None:
        event.app.output.bell()

    return kb


def more_application(input: Input | None, output: Output | None) -> Application[PagerKey]:
    """``--More--`` waiting for space (a page), Enter (a line) or q (stop); erased after."""
    kb = KeyBindings()

    def answer(key: PagerKey) -> Callable[[KeyPressEvent], None]:
        def handler(event: KeyPressEvent) -> None:
            event.app.exit(result=key)

        return handler

    kb.add(" ")(answer("page"))
    kb.add("enter")(answer("line"))
    kb.add("c-j")(answer("line"))
    for key in ("q", "Q", "c-c", "c-d"):
        kb.add(key)(answer("quit"))
    kb.add(Keys.Any)(lambda event: None)  # every other key is ignored, as on the real box
    return Application(
        layout=Layout(Window(FormattedTextControl(MORE), height=1, dont_extend_height=True)),
        key_bindings=kb,
        input=input,
        output=output,
        erase_when_done=True,
    )


def read_more_key(input: Input | None, output: Output | None) -> PagerKey:
    """Show ``--More--`` and wait for a pager key."""
    try:
        return more_application(input, output).run()
    except (EOFError, KeyboardInterrupt):
        return "quit"


class Console:
    """One console session: the engine session, its prompt and how replies reach the screen."""

    def __init__(self, session: Session, input: Input | None = None, output: Output | None = None,
                 paging: bool = True, lock: ContextManager[object] | None = None) -> None:
        self.session = session
        self.lock = lock if lock is not None else nullcontext()  # the appliance's: SSH consoles share the store
        self.paging = paging
        self.prompt = PromptSession[object](
            input=input,
            output=output,
            history=BoundedHistory(),
            completer=EngineCompleter(session),
            complete_while_typing=False,
            key_bindings=merge_key_bindings([build_key_bindings(session), line_limit_bindings()]),
        )
        self.output = self.prompt.output
        self.input = self.prompt.input

    def write(self, text: str) -> None:
        self.output.write(text)
        self.output.flush()

    def show(self, reply: Reply) -> None:
        text = reply.output + reply.error + reply.notice
        if not text:
            return
        size = self.output.get_size()
        if not self.paging:
            self.write(text)
            return
        run_pager(text, size.rows, size.columns, self.write, lambda: read_more_key(self.input, self.output))

    def run_line(self, line: str) -> bool:
        """Execute one line and print its reply; False when the session has ended."""
        try:
            with self.lock:
                reply = self.session.execute(line)
        except Exception as exc:  # an engine bug must not throw the operator out of the console
            reply = Reply(error=f"internal error: {type(exc).__name__}: {exc}\n", failed=True)
        self.show(reply)
        return not reply.exit

    def run_paste(self, lines: list[str]) -> bool:
        """Run pasted lines in order, as if typed; a long paste shows progress instead of echoing."""
        if len(lines) <= THRESHOLD:
            for i, line in enumerate(lines):
                if i:
                    self.write(self.session.prompt + line + "\n")
                if line.strip():
                    self.prompt.history.append_string(line)
                if not self.run_line(line):
                    return False
            return True
        progress = Progress(len(lines))
        for n, line in enumerate(lines, start=1):
            if line.strip():
                self.prompt.history.append_string(line)
            with self.lock:
                reply = self.session.execute(line)
            progress.step(reply.failed)
            if reply.failed:
                self.write(f"\rline {n}: {echo_line(line)}\n{reply.error}")
            if reply.notice:
                self.write(f"\rline {n}: {reply.notice}")
            if reply.exit:
                self.write(progress.summary())
                return False
            if progress.due():
                self.write(progress.line())
        self.write(progress.summary())
        return True

    def interrupt(self, line: str) -> bool:
        """Ctrl+C: drop the line; on an empty line at the top level, close. False to end."""
        if self.session.awaiting_answer:
            return self.run_line("n")  # abandoning a y/n question answers no
        if self.session.continuing:
            self.session.cancel()  # drops the ``\\``-continued text
            return True
        return bool(line) or self.session.depth > 0

    def run(self) -> int:
        default = ""
        while True:
            try:
                got = self.prompt.prompt(self.session.prompt, default=default)
            except EOFError:
                return 0
            default = ""
            if isinstance(got, Interrupted):
                if not self.interrupt(got.line):
                    return 0
                continue
            if isinstance(got, Pasted):
                default = got.rest
                if not self.run_paste(list(got.lines)):
                    return 0
                continue
            assert isinstance(got, str)
            if not self.run_line(got):
                return 0


def run_console(app: Appliance, input: Input | None = None, output: Output | None = None,
                paging: bool = True) -> int:
    """Run an interactive console on ``app`` until ``exit``, Ctrl+D or EOF; returns the exit status."""
    return Console(app.session(), input, output, paging, app.lock).run()
