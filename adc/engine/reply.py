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

    ``notice`` is what the appliance says about a commit the line made that it took but cannot carry
    out on this host (a virtual server whose address is not here): the line did not fail, since a
    real box accepts it; the console prints the notice after the output, a script driver on stderr.
    """

    output: str = ""
    error: str = ""
    failed: bool = False
    exit: bool = False
    notice: str = ""


@dataclass(frozen=True)
class Candidate:
    """One completion: the full ``word`` that replaces the partial word, with its help text."""

    word: str
    help: str = ""
