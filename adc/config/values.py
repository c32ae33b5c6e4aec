"""Value kinds: how the words after ``set <attr>`` become a stored value, how ``get`` prints it, what ``?`` hints.

Each kind of the schema (``adc.schema.model.Kind``) has one ``ValueKind`` row in ``KINDS``; every other
module reads values through this table (parsing, display, the ``?`` hint, defaults, the port-list grammar,
entry-key rules). Pure functions of the schema: reference existence is checked by the caller, which knows
the store. The canonical form is what ``get`` prints, so a value read back from ``show`` parses to itself.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Callable

from ..errors import CommandFail, ValueParseError
from ..schema.model import Attr, Table
from . import secrets
from .tree import Value

XSS_CHARS = frozenset("<>()#'\"")
MAX_NAME_BYTES = 63  # entry names (``edit <name>``), as FortiADC limits them
MAX_ENTRY_NUMBER = 4294967295  # integer-keyed tables (``edit <No.>``)


# ---------------------------------------------------------------------------------------------- words
def _unsigned(word: str, text: str) -> int:
    """``text`` (``word`` as read) as a whole number; the error quotes ``word`` as typed."""
    if not text.isdigit() or not text.isascii():
        raise ValueParseError(f"invalid unsigned integer value :{word}:", word[:1] or word, -651)
    return int(text)


def _text(word: str, maxlen: int, too_long: str) -> str:
    """Free text: no XSS characters (-61), at most ``maxlen`` UTF-8 bytes (-11)."""
    bad = sorted(set(word) & XSS_CHARS)
    if bad:
        raise ValueParseError("The string contains XSS vulnerability characters", "".join(bad), -61)
    if len(word.encode("utf-8")) > maxlen:
        raise CommandFail(-11, too_long)
    return word


def _option(attr: Attr, word: str) -> str:
    names = attr.option_names
    if word in names:
        return word
    hits = [n for n in names if n.startswith(word)]
    if len(hits) == 1:
        return hits[0]
    raise ValueParseError("", word, -61)


def _integer(attr: Attr, word: str) -> str:
    n = _unsigned(word, word.strip())
    if attr.range is not None and not attr.range[0] <= n <= attr.range[1]:
        lo, hi = attr.range
        raise CommandFail(-12, f"{attr.name}: value {n} out of range {lo}-{hi}")
    return str(n)


def _ip(attr: Attr, word: str) -> str:
    try:
        if attr.kind == "ipv4":
            return str(ipaddress.IPv4Address(word))
        if attr.kind == "ipv6":
            return str(ipaddress.IPv6Address(word))
        if attr.kind == "ipv6mask":
            return ipaddress.IPv6Interface(word).with_prefixlen
        return ipaddress.IPv4Interface(word).with_prefixlen
    except (ValueError, ipaddress.AddressValueError, ipaddress.NetmaskValueError):
        raise CommandFail(-39, f"invalid ip address/mask {word}.") from None


def _string(attr: Attr, word: str) -> str:
    return _text(word, attr.maxlen, f"{attr.name}: at most {attr.maxlen} characters")


PATTERN_FORBIDDEN = frozenset("<>'\"")


def _pattern(attr: Attr, word: str) -> str:
    """A match content or rewrite string: regular expressions need ( ) and #, which free text may not hold
    (CLI744 p. 148-149: ``set content ^/(.*)$``); quotes and angle brackets are still refused."""
    bad = sorted(set(word) & PATTERN_FORBIDDEN)
    if bad:
        raise ValueParseError("The string contains XSS vulnerability characters", "".join(bad), -61)
    if len(word.encode("utf-8")) > attr.maxlen:
        raise CommandFail(-11, f"{attr.name}: at most {attr.maxlen} characters")
    return word


def _ref(attr: Attr, word: str) -> str:
    return word if word in attr.ref_extra else _string(attr, word)


# ---------------------------------------------------------------------------------------------- port lists
PortRanges = tuple[tuple[int, int], ...]


def port_ranges(text: str) -> PortRanges:
    """A stored port list (``"80 8000-8080"``) as inclusive ranges; the one reader of that grammar."""
    out = []
    for part in text.split():
        lo, _, hi = part.partition("-")
        out.append((int(lo), int(hi or lo)))
    return tuple(out)


def port_text(ranges: PortRanges) -> str:
    """Ranges back in the stored form (``((80, 80), (8000, 8080))`` -> ``"80 8000-8080"``)."""
    return " ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)


def port_set(text: str) -> set[int]:
    """Every port a stored port list names (an empty list means port 0, any port)."""
    return {p for lo, hi in port_ranges(text or "0") for p in range(lo, hi + 1)}


def _portlist(attr: Attr, words: list[str]) -> str:
    """VS ports: single ports and ``A-B`` ranges, at most 8 ranges, 0 only alone (codes -4084..-4090)."""
    ranges = 0
    out = []
    for w in words:
        parts = w.split("-")
        if len(parts) > 2 or not all(p.isdigit() and p.isascii() for p in parts):
            raise CommandFail(-4088, f"port '{w}' is not a number or a range A-B")
        lo, hi = int(parts[0]), int(parts[-1])
        if hi > 65535 or lo > hi:
            raise CommandFail(-4085, f"port '{w}' out of range")
        if len(parts) == 2:
            ranges += 1
        out.append(str(lo) if len(parts) == 1 else f"{lo}-{hi}")
    if ranges > 8:
        raise CommandFail(-4084, "at most 8 port ranges")
    if "0" in out and len(out) > 1:
        raise CommandFail(-4090, "port 0 cannot be combined with other ports")
    return " ".join(out)


# ---------------------------------------------------------------------------------------------- passwords
def _secret_words(words: list[str]) -> tuple[str, bool]:
    """The text after ``set <attr>``: (``ENC`` value, True) as a backup carries it, or (clear text, False)."""
    if len(words) == 2 and words[0] == "ENC":
        if not secrets.is_encoded(words[1]):
            raise ValueParseError("", words[1], -61)
        return words[1], True
    if len(words) != 1:
        raise ValueParseError("", words[1], -61)
    return words[0], False


def _password(attr: Attr, words: list[str]) -> str:
    """A secret the appliance may need again: kept as ciphertext (``adc.config.secrets``)."""
    text, encoded = _secret_words(words)
    return text if encoded else secrets.encrypt(text)


def _passhash(attr: Attr, words: list[str]) -> str:
    """An administrator's password: kept as a salted hash a login checks."""
    text, encoded = _secret_words(words)
    return text if encoded else secrets.hash_password(text)


def _enc(value: str) -> str:
    return "ENC " + value if value else value


def _masked(value: str) -> str:
    return "*" if value else ""


# ---------------------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class ValueKind:
    """How one kind of value is read, printed and hinted.

    ``word`` parses one word (multi-valued attributes apply it to each); ``line`` instead takes every
    word after the attribute name (port lists, ``ENC <value>`` secrets). ``show`` turns the stored
    text into what ``get``/``show`` print (``get`` uses its own function when given: a secret is ``*``);
    ``raw`` kinds are printed unquoted by ``show``.
    """

    hint: str
    word: Callable[[Attr, str], str] | None = None
    line: Callable[[Attr, list[str]], str] | None = None
    show: Callable[[str], str] = str
    raw: bool = False
    get: Callable[[str], str] | None = None  # what ``get`` prints, when not what ``show`` prints


KINDS: dict[str, ValueKind] = {
    "option": ValueKind("<value>", word=_option),
    "integer": ValueKind("<integer>", word=_integer),
    "string": ValueKind("<string>", word=_string),
    "ipv4": ValueKind("<class_ip>", word=_ip),
    "ipv6": ValueKind("<class_ip6>", word=_ip),
    "ipv4mask": ValueKind("<ip&netmask>", word=_ip),
    "ipv6mask": ValueKind("<ip6&netmask>", word=_ip),
    "ref": ValueKind("<value>", word=_ref),
    "portlist": ValueKind("<port>", line=_portlist, raw=True),
    "password": ValueKind("<password>", line=_password, show=_enc, raw=True, get=_masked),
    "passhash": ValueKind("<password>", line=_passhash, show=_enc, raw=True, get=_masked),
    "pattern": ValueKind("<string>", word=_pattern),
}


def parse_value(attr: Attr, words: list[str]) -> Value:
    """The stored value for ``set <attr> <words...>``; raises an ``AdcError`` on bad input."""
    if not words:
        raise CommandFail(-56, f"attribute '{attr.name}' needs a value")
    kind = KINDS[attr.kind]
    if kind.line is not None:
        return kind.line(attr, words)
    assert kind.word is not None
    if attr.multi:
        if attr.max_items and len(words) > attr.max_items:
            raise CommandFail(-12, f"{attr.name}: at most {attr.max_items} values")
        out: list[str] = []
        for w in words:
            v = kind.word(attr, w)
            if v not in out:
                out.append(v)
        return tuple(out)
    if len(words) > 1:
        raise ValueParseError("", words[1], -61)
    return kind.word(attr, words[0])


def parse_key(table: Table, word: str) -> str:
    """The key of ``edit <key>``: a number for integer-keyed tables, else a name (the name rules of text)."""
    if table.key == "integer":
        n = _unsigned(word, word)
        if n > MAX_ENTRY_NUMBER:
            raise CommandFail(-12, f"entry number {word} out of range")
        return str(n)
    if not word:
        raise CommandFail(-56, "entry name must not be empty")
    return _text(word, MAX_NAME_BYTES, f"entry name longer than {MAX_NAME_BYTES} characters")


def hint(attr: Attr) -> str:
    """What ``?`` shows for a value to type (``<integer>``)."""
    return KINDS[attr.kind].hint


def default_value(attr: Attr) -> Value:
    """The attribute's default in stored form (a tuple for multi-valued attributes)."""
    if attr.multi:
        return tuple(attr.default.split())
    return attr.default


def display(attr: Attr, value: Value) -> str:
    """A value as ``get`` prints it; multi-values carry FortiADC's trailing space."""
    if isinstance(value, tuple):
        return " ".join(value) + " " if value else ""
    return KINDS[attr.kind].show(value)


def get_text(attr: Attr, value: Value) -> str:
    """A value as ``get`` prints it: as ``display`` does, but a secret is only ``*`` (CLI744 p. 413)."""
    kind = KINDS[attr.kind]
    if kind.get is not None and isinstance(value, str):
        return kind.get(value)
    return display(attr, value)


def is_raw(attr: Attr) -> bool:
    """Whether ``show`` prints the value as is (no quoting): port lists and ``ENC`` passwords."""
    return KINDS[attr.kind].raw
