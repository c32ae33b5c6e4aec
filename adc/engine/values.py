"""Turn the words after ``set <attr>`` into a stored value, by the attribute's kind.

Pure functions of the schema: reference existence is checked by the caller, which knows the store.
The canonical form is what ``get`` prints, so a value read back from ``show`` parses to itself.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress

from ..config.tree import Value
from ..errors import CommandFail, ValueParseError
from ..schema.model import Attr

XSS_CHARS = set("<>()#'\"")


def _match_option(attr: Attr, word: str) -> str:
    names = attr.option_names
    if word in names:
        return word
    hits = [n for n in names if n.startswith(word)]
    if len(hits) == 1:
        return hits[0]
    raise ValueParseError("", word, -61)


def _integer(attr: Attr, word: str) -> str:
    text = word.strip()
    if not text.isdigit() or not text.isascii():
        raise ValueParseError(f"invalid unsigned integer value :{word}:", word[:1] or word, -651)
    n = int(text)
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
    bad = sorted(set(word) & XSS_CHARS)
    if bad:
        raise ValueParseError("The string contains XSS vulnerability characters", "".join(bad), -61)
    if len(word.encode("utf-8")) > attr.maxlen:
        raise CommandFail(-11, f"{attr.name}: at most {attr.maxlen} characters")
    return word


def _portlist(words: list[str]) -> str:
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


def _password(words: list[str]) -> str:
    if len(words) == 2 and words[0] == "ENC":
        try:
            return base64.b64decode(words[1], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueParseError("", words[1], -61) from None
    if len(words) != 1:
        raise ValueParseError("", words[1], -61)
    return words[0]


def parse_value(attr: Attr, words: list[str]) -> Value:
    """The stored value for ``set <attr> <words...>``; raises an ``AdcError`` on bad input."""
    if not words:
        raise CommandFail(-56, f"attribute '{attr.name}' needs a value")
    if attr.kind == "portlist":
        return _portlist(words)
    if attr.kind == "password":
        return _password(words)
    if attr.multi:
        if attr.max_items and len(words) > attr.max_items:
            raise CommandFail(-12, f"{attr.name}: at most {attr.max_items} values")
        out: list[str] = []
        for w in words:
            v = parse_one(attr, w)
            if v not in out:
                out.append(v)
        return tuple(out)
    if len(words) > 1:
        raise ValueParseError("", words[1], -61)
    return parse_one(attr, words[0])


def parse_one(attr: Attr, word: str) -> str:
    kind = attr.kind
    if kind == "option":
        return _match_option(attr, word)
    if kind == "integer":
        return _integer(attr, word)
    if kind in ("ipv4", "ipv6", "ipv4mask", "ipv6mask"):
        return _ip(attr, word)
    if kind == "ref":
        if word in attr.ref_extra:
            return word
        return _string(attr, word)
    return _string(attr, word)


def default_value(attr: Attr) -> Value:
    """The attribute's default in stored form (a tuple for multi-valued attributes)."""
    if attr.multi:
        return tuple(attr.default.split())
    return attr.default


def display(attr: Attr, value: Value) -> str:
    """A value as ``get`` prints it; multi-values carry FortiADC's trailing space."""
    if isinstance(value, tuple):
        return " ".join(value) + " " if value else ""
    if attr.kind == "password" and value:
        return "ENC " + base64.b64encode(value.encode("utf-8")).decode("ascii")
    return value
