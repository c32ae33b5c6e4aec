"""``execute``/``diagnose`` verbs: their words, help, usage line and handler, and how words find one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..errors import ParsingError, UnknownAction
from .words import match

if TYPE_CHECKING:
    from .context import Context
    from .reply import Reply


@dataclass(frozen=True)
class Verb:
    words: tuple[str, ...]
    help: str
    usage: str
    run: Callable[["Context", list[str]], "Reply | list[str]"]


def verb_words(verbs: tuple[Verb, ...], done: tuple[str, ...]) -> dict[str, str]:
    """The words that may come next after ``done`` (word -> help), for matching, ``?`` and Tab."""
    out: dict[str, str] = {}
    for v in verbs:
        if v.words[: len(done)] == done and len(v.words) > len(done):
            out.setdefault(v.words[len(done)], v.help if len(v.words) == len(done) + 1 else v.words[len(done)])
    return out


def find_verb(verbs: tuple[Verb, ...], args: list[str]) -> tuple[Verb, list[str]]:
    """The verb the leading words name (each may be a unique prefix) and the words after it."""
    done: tuple[str, ...] = ()
    i = 0
    while True:
        for v in verbs:
            if v.words == done:
                return v, args[i:]
        nxt = verb_words(verbs, done)
        if not nxt:
            raise UnknownAction()
        if i >= len(args):
            raise ParsingError()  # a known command, not complete (``execute restore``)
        done = done + (match(args[i], nxt, UnknownAction),)
        i += 1
