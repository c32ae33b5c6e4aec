"""Tab completion: a prompt_toolkit ``Completer`` that asks the engine for candidates.

The engine knows the grammar (``Session.complete``); this adapter only works out how many
characters of the typed text the candidate replaces, so prompt_toolkit can substitute it.
"""
from __future__ import annotations

from typing import Iterable, Protocol

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from adc.engine.reply import Candidate


class Completes(Protocol):
    """The part of an engine session that Tab needs."""

    def complete(self, text: str) -> list[Candidate]: ...


def partial_word(text: str) -> str:
    """The raw text after the last unquoted, unescaped space: the word the cursor is in.

    Raw (quotes and backslashes kept) because that is what the completion must overwrite.
    """
    start = 0
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch == "\\":
            i += 2
            continue
        elif ch in "\"'":
            quote = ch
        elif ch in " \t":
            start = i + 1
        i += 1
    return text[start:]


def _quoted(word: str) -> str:
    """A candidate as it must be typed: quoted when it holds a space or a quote character."""
    if word and not any(c in word for c in " \t\"'\\"):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


class EngineCompleter(Completer):
    """Completions for the word under the cursor; a lone candidate comes with its trailing space."""

    def __init__(self, session: Completes) -> None:
        self.session = session

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        partial = partial_word(text)
        try:
            candidates = self.session.complete(text)
        except Exception:  # an engine bug must not end the console: Tab then offers nothing
            return
        only = len(candidates) == 1
        for cand in candidates:
            word = _quoted(cand.word)
            yield Completion(
                text=word + " " if only else word,
                start_position=-len(partial),
                display=cand.word,
                display_meta=cand.help,
            )
