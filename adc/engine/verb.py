"""An ``execute``/``diagnose`` verb: its words, help, usage line and handler."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .reply import Reply
    from .session import Session


@dataclass(frozen=True)
class Verb:
    words: tuple[str, ...]
    help: str
    usage: str
    run: Callable[["Session", list[str]], "Reply | list[str]"]
