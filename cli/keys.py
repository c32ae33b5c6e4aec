"""Key bindings of the console (reference §1.5), layered over prompt_toolkit's emacs defaults.

What the real CLI does differently from readline lives here: ``?`` lists at once without Enter,
Tab fills in the first candidate and cycles, Ctrl+B/Ctrl+F move by word, Ctrl+V quotes the next key,
Ctrl+C abandons the line, and a multi-line paste is handed back to the console to run line by line.
The prompt session ends with a ``str`` (a line), an ``Interrupted`` or a ``Pasted``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from prompt_toolkit.buffer import CompletionState
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.key_binding.bindings.basic import in_quoted_insert
from prompt_toolkit.key_binding.bindings.named_commands import get_by_name
from prompt_toolkit.keys import Keys

from adc.engine.lexer import lex_partial


class Helps(Protocol):
    """The part of an engine session that ``?`` needs."""

    @property
    def prompt(self) -> str: ...

    def help(self, text: str) -> str: ...


@dataclass(frozen=True)
class Interrupted:
    """Ctrl+C: the line being typed (discarded) when it was pressed."""

    line: str


@dataclass(frozen=True)
class Pasted:
    """A paste holding line breaks: whole ``lines`` to run in order, and the unfinished ``rest``.

    The first line is already on screen after the prompt (the console must not echo it again).
    """

    lines: tuple[str, ...]
    rest: str


def _in_quote(text_before_cursor: str) -> bool:
    return bool(lex_partial(text_before_cursor).quote)


def _cycle(event: KeyPressEvent) -> None:
    """Tab: the first candidate on the first press, the next one on each further press (wrapping)."""
    b = event.current_buffer
    state = b.complete_state
    if state is not None and state.completions:
        index = state.complete_index
        b.go_to_completion(0 if index is None or index >= len(state.completions) - 1 else index + 1)
        return
    if b.completer is None:
        return
    # Computed synchronously (not ``start_completion``): a second Tab already waiting in the input
    # must see the first one's result, or typed-ahead keys would race the completion task.
    found = list(b.completer.get_completions(b.document, CompleteEvent(completion_requested=True)))
    if not found:
        event.app.output.bell()
    elif len(found) == 1:
        b.apply_completion(found[0])
    else:
        b.complete_state = CompletionState(original_document=b.document, completions=found)
        b.go_to_completion(0)


def build_key_bindings(session: Helps) -> KeyBindings:
    """The console's bindings, reading ``session.prompt`` and ``session.help`` for ``?``."""
    kb = KeyBindings()

    @kb.add("?", filter=~in_quoted_insert)
    def _help(event: KeyPressEvent) -> None:
        b = event.current_buffer
        doc = b.document
        if _in_quote(doc.text_before_cursor):
            b.insert_text("?")
            return
        try:
            listing = session.help(doc.text_before_cursor)
        except Exception as exc:  # an engine bug must not end the console
            listing = f"internal error: {type(exc).__name__}: {exc}\n"
        echo = session.prompt + doc.text_before_cursor + "?" + doc.text_after_cursor + "\n"
        app = event.app
        # Synchronous print above the prompt (what ``run_in_terminal`` does, without the task):
        # keys typed after ``?`` are handled in this same pass and must come after the listing.
        app.renderer.erase()
        app.output.write((echo + listing).replace("\n", "\r\n"))
        app.output.flush()
        b.cursor_position = len(b.text)

    @kb.add("c-v")
    def _literal(event: KeyPressEvent) -> None:
        event.app.quoted_insert = True

    @kb.add("tab")
    def _tab(event: KeyPressEvent) -> None:
        _cycle(event)

    @kb.add("s-tab")
    def _back_tab(event: KeyPressEvent) -> None:
        if event.current_buffer.complete_state:
            event.current_buffer.complete_previous()

    kb.add("c-b")(get_by_name("backward-word"))
    kb.add("c-f")(get_by_name("forward-word"))

    @kb.add("c-d")
    def _delete_or_end(event: KeyPressEvent) -> None:
        b = event.current_buffer
        if not b.text:
            event.app.exit(exception=EOFError())
        else:
            b.delete(1)

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(result=Interrupted(event.current_buffer.text))

    @kb.add(Keys.BracketedPaste)
    def _paste(event: KeyPressEvent) -> None:
        data = event.data.replace("\r\n", "\n").replace("\r", "\n")
        b = event.current_buffer
        if "\n" not in data:
            b.insert_text(data)
            return
        doc = b.document
        lines = (doc.text_before_cursor + data + doc.text_after_cursor).split("\n")
        # Leave the first line on screen, as if it had been typed and Enter pressed.
        b.document = Document(lines[0], len(lines[0]))
        event.app.exit(result=Pasted(tuple(lines[:-1]), lines[-1]))

    return kb


