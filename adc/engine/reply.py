"""What the engine gives back for one line: a value object, no I/O."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    """The result of one input line.

    ``output`` is what the command prints (each line ends in a newline); ``error`` holds the error
    lines of a failed command (the console prints them like output; a script driver sends them to
    stderr with the line number). ``exit`` ends the session. After a reply, the session's ``prompt``
    tells what to show next: the normal prompt, a y/n question, or a continuation.
    """

    output: str = ""
    error: str = ""
    failed: bool = False
    exit: bool = False


@dataclass(frozen=True)
class Candidate:
    """One completion: the full ``word`` that replaces the partial word, with its help text."""

    word: str
    help: str = ""
