"""The appliance's error hierarchy, and FortiADC's numeric error-code table.

Every failure a command can meet is one of these exceptions; the engine turns them into the exact
lines the real CLI prints. Nothing passes error text around as bare strings.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def error_codes() -> dict[int, str]:
    """FortiADC's errcode table (code -> text), shipped as data in ``adc/data/errcodes.json``."""
    raw = json.loads(resources.files("adc.data").joinpath("errcodes.json").read_text("utf-8"))
    return {int(code): text for code, text in raw.items()}


def error_text(code: int) -> str:
    return error_codes().get(code, "Unknown error.")


class AdcError(Exception):
    """Base class: something a command could not do. ``lines()`` is what the console prints."""

    def lines(self) -> list[str]:
        return [str(self)]


class UnknownAction(AdcError):
    """The first word of a line is not a command at this prompt."""

    def lines(self) -> list[str]:
        return ["Unknown action 0"]


class ParsingError(AdcError):
    """A path or command could not be parsed (``config load-balance`` alone, ``edit`` at the root...)."""

    def lines(self) -> list[str]:
        return ["Command fail. CLI parsing error"]


class AmbiguousCommand(AdcError):
    """A prefix matched more than one keyword."""

    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word

    def lines(self) -> list[str]:
        return [f"ambiguous command before '{self.word}'"]


class FieldParseError(AdcError):
    """``set`` named no field, or a field that does not exist here (``Parsing error at 'x'. err=1``)."""

    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word

    def lines(self) -> list[str]:
        return [f"Parsing error at '{self.word}'. err=1"]


class ValueParseError(AdcError):
    """A value that does not fit its type: a reason line, the parser line, then the code's text."""

    def __init__(self, reason: str, token: str, code: int = -651) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token = token
        self.code = code

    def lines(self) -> list[str]:
        out = [self.reason] if self.reason else []
        out.append(f"value parse error before '{self.token}'")
        out.append(error_text(self.code) if self.code != -651 else "Input value is invalid.")
        return out


class CommandFail(AdcError):
    """A semantic failure with a FortiADC return code (``Command fail. Return code is -N``).

    ``reason`` is the cmdb line the real box prints under ``diagnose debug cmdb``; we always print it
    above the return-code line, because an operator needs to know *what* failed (docs/fidelity.md).
    """

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(reason or error_text(code))
        self.code = code
        self.reason = reason

    def lines(self) -> list[str]:
        out = [self.reason] if self.reason else []
        out.append(f"Command fail. Return code is {self.code}")
        return out


class UsageError(AdcError):
    """An ``execute``/``diagnose`` verb with bad arguments: a usage line, then -61."""

    def __init__(self, usage: str) -> None:
        super().__init__(usage)
        self.usage = usage

    def lines(self) -> list[str]:
        return [self.usage, f"Command fail. Return code is -61 ({error_text(-61).rstrip('.')})"]


class InputError(AdcError):
    """A line the tokenizer refuses (unbalanced quote, control characters, too long)."""
