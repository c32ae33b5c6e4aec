"""``execute`` and ``diagnose`` verbs: a table of verb words, usage lines and handlers.

Each handler takes the session and its arguments and returns the lines to print (or a ``Reply``
when it asks a question). Verbs the emulator does not have answer like an unknown command.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import AdcError, CommandFail, UnknownAction, UsageError
from .reply import Reply
from .words import match

if TYPE_CHECKING:
    from .session import Session


from .verb import Verb


def _backup(s: "Session", args: list[str]) -> list[str]:
    if len(args) != 1:
        raise UsageError("Usage: execute backup config <file>")
    try:
        s.app.backup(args[0])
    except OSError as err:
        raise CommandFail(-24, f"cannot write {args[0]}: {err.strerror}") from None
    return [f"Configuration saved to {args[0]}"]


def _restore(s: "Session", args: list[str]) -> Reply:
    if len(args) != 1:
        raise UsageError("Usage: execute restore config <file>")
    try:
        lines = s.app.restore_lines(args[0])
    except OSError as err:
        raise CommandFail(-24, f"cannot read {args[0]}: {err.strerror}") from None

    def answer(yes: bool) -> Reply:
        if not yes:
            return Reply()
        return s.replay_into_fresh(lines, "restore")

    return s.ask("This operation will replace the current configuration and reboot the system!", answer)


def _factoryreset(s: "Session", args: list[str]) -> Reply:
    if args:
        raise UsageError("Usage: execute factoryreset")

    def answer(yes: bool) -> Reply:
        if not yes:
            return Reply()
        s._notes.extend(s.app.store.replace(s.app.factory_tree()))
        s.frames.clear()
        return Reply(output="System is resetting to factory defaults...\n")

    return s.ask("This operation will change all settings to factory defaults!", answer)


def _execute_verbs() -> tuple[Verb, ...]:
    from .cert_verbs import CERT_VERBS
    from .health_verbs import HEALTH_VERBS
    from .status_verbs import STATUS_EXECUTE

    verbs = (
        Verb(("backup", "config"), "backup", "Usage: execute backup config <file>", _backup),
        *CERT_VERBS,
        Verb(("factoryreset",), "reset to factory default", "Usage: execute factoryreset", _factoryreset),
        *HEALTH_VERBS,
        Verb(("restore", "config"), "restore", "Usage: execute restore config <file>", _restore),
        *STATUS_EXECUTE,
    )
    return tuple(sorted(verbs, key=lambda v: v.words))


EXECUTE: tuple[Verb, ...] = _execute_verbs()


def _debug_cmdb(s: "Session", args: list[str]) -> list[str]:
    if len(args) != 1 or not args[0].isdigit() or not 0 <= int(args[0]) <= 8:
        raise UsageError("Usage: diagnose debug cmdb <0-8>")
    return []


def _diagnose_verbs() -> tuple[Verb, ...]:
    from .status_verbs import STATUS_DIAGNOSE

    verbs = (Verb(("debug", "cmdb"), "cmdb debug level", "Usage: diagnose debug cmdb <0-8>", _debug_cmdb), *STATUS_DIAGNOSE)
    return tuple(sorted(verbs, key=lambda v: v.words))


DIAGNOSE: tuple[Verb, ...] = _diagnose_verbs()


def verb_words(verbs: tuple[Verb, ...], done: tuple[str, ...]) -> dict[str, str]:
    """The words that may come next after ``done`` (word -> help), for matching, ``?`` and Tab."""
    out: dict[str, str] = {}
    for v in verbs:
        if v.words[: len(done)] == done and len(v.words) > len(done):
            out.setdefault(v.words[len(done)], v.help if len(v.words) == len(done) + 1 else v.words[len(done)])
    return out


def find_verb(verbs: tuple[Verb, ...], args: list[str]) -> tuple[Verb, list[str]]:
    done: tuple[str, ...] = ()
    i = 0
    while True:
        for v in verbs:
            if v.words == done:
                return v, args[i:]
        nxt = verb_words(verbs, done)
        if i >= len(args) or not nxt:
            raise UnknownAction()
        done = done + (match(args[i], nxt, UnknownAction),)
        i += 1


def run_execute(s: "Session", args: list[str]) -> "Reply | list[str]":
    if s.frames:
        raise UnknownAction()
    verb, rest = find_verb(EXECUTE, args)
    return verb.run(s, rest)


def run_diagnose(s: "Session", args: list[str]) -> "Reply | list[str]":
    if s.frames:
        raise UnknownAction()
    verb, rest = find_verb(DIAGNOSE, args)
    return verb.run(s, rest)


__all__ = ["EXECUTE", "DIAGNOSE", "Verb", "verb_words", "run_execute", "run_diagnose", "AdcError"]
