"""Content routing (``config load-balance content-routing``, CLI744 p. 149-152) as a sans-IO matcher.

A virtual server with ``content-routing enable`` has no pool of its own: its
``content-routing-list`` is consulted from top to bottom for every request (Layer 7) or every
session (Layer 4), the first rule that matches wins, and the rule's pool (with its own method,
persistence and connection pool unless it inherits the virtual server's) serves it.

What a rule matches
  * ``l7-content-routing``: every ``match-condition`` of the rule (ANDed, CLI744 p. 151). A rule
    with no condition matches everything: the "catch all" rule the reference asks for, ordered
    last. Objects: ``http-host-header`` (the Host header, port included, as sent),
    ``http-request-url`` (the request target: path and query), ``http-referer-header``, ``sni``
    (the server name of the client's TLS hello; empty in clear) and ``ip-source-address``. Types:
    ``string`` is a substring test, ``regular-expression`` a search (PCRE in the box, Python ``re``
    here); ``ignore-case`` folds case; ``reverse`` negates the condition. For
    ``ip-source-address`` the content is an address or address/mask and the test is membership
    (the reference hides type and ignore-case for that object, p. 151); a content that is not an
    address falls back to the string test.
  * ``l4-content-routing``: the client's source address inside ``ip`` (IPv4) or ``ip6`` (IPv6);
    the defaults ``0.0.0.0/0`` and ``::/0`` match everything. Conditions are not consulted (p. 151:
    "only applicable if type is l7-content-routing").

Everything is compiled once per commit (regular expressions included): ``RuleList.match`` does no
parsing, only the tests.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

__all__ = ["Condition", "RequestFacts", "Rule", "RuleList", "compile_condition"]

T = TypeVar("T")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class RequestFacts:
    """What a rule may look at for one request (Layer 4: only ``client_ip``)."""

    client_ip: str
    host: str = ""
    url: str = ""
    referer: str = ""
    sni: str = ""
    location: str = ""  # a response's Location header (content rewriting's response rules)

    def value(self, obj: str) -> str:
        return str(getattr(self, FIELDS[obj]))


FIELDS = {  # match object -> the RequestFacts field it reads
    "http-host-header": "host",
    "http-request-url": "url",
    "http-referer-header": "referer",
    "http-location-header": "location",
    "sni": "sni",
    "ip-source-address": "client_ip",
}


def _network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _in(ip: str, nets: Sequence[Network]) -> bool:
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr.version == n.version and addr in n for n in nets)


@dataclass(frozen=True)
class Condition:
    """One compiled match condition; ``test`` says whether it holds for a request."""

    object: str
    type: str
    content: str
    reverse: bool = False
    ignore_case: bool = False
    pattern: "re.Pattern[str] | None" = None
    network: Network | None = None
    field: str = "host"  # the RequestFacts field ``object`` reads (set by ``compile_condition``)

    def test(self, facts: RequestFacts) -> bool:
        return self.holds(facts) != self.reverse

    def holds(self, facts: RequestFacts) -> bool:
        value: str = getattr(facts, self.field)
        if self.network is not None:
            return _in(value, (self.network,))
        if self.pattern is not None:
            return self.pattern.search(value) is not None
        if self.ignore_case:
            return self.content.casefold() in value.casefold()
        return self.content in value

    def search(self, facts: RequestFacts) -> "re.Match[str] | None":
        """The regular expression's match (for ``$0``..``$9`` in a rewrite), None otherwise."""
        if self.pattern is None:
            return None
        return self.pattern.search(getattr(facts, self.field))


class BadPattern(ValueError):
    """A regular expression the data plane cannot compile (the rule is then left out, with a note)."""


def compile_condition(obj: str, kind: str, content: str, reverse: bool, ignore_case: bool) -> Condition:
    """A condition with its regular expression or network compiled; raises ``BadPattern``."""
    field = FIELDS.get(obj)
    if field is None:
        raise BadPattern(f"unknown match object {obj!r}")
    if obj == "ip-source-address":
        net = _network(content)
        if net is not None:
            return Condition(obj, kind, content, reverse, ignore_case, network=net, field=field)
    if kind == "regular-expression":
        try:
            pattern = re.compile(content, re.IGNORECASE if ignore_case else 0)
        except re.error as exc:
            raise BadPattern(f"regular expression {content!r}: {exc}") from None
        return Condition(obj, kind, content, reverse, ignore_case, pattern=pattern, field=field)
    return Condition(obj, kind, content, reverse, ignore_case, field=field)


@dataclass(frozen=True)
class Rule(Generic[T]):
    """One content-routing rule and what it routes to (``target``: whatever the caller compiled)."""

    name: str
    type: str  # l4-content-routing | l7-content-routing
    target: T
    conditions: tuple[Condition, ...] = ()
    networks: tuple[Network, ...] = ()  # l4-content-routing: ip and ip6

    def matches(self, facts: RequestFacts) -> bool:
        if self.type == "l4-content-routing":
            return _in(facts.client_ip, self.networks)
        for c in self.conditions:
            if not c.test(facts):
                return False
        return True


@dataclass(frozen=True)
class RuleList(Generic[T]):
    """A virtual server's ``content-routing-list``, in order."""

    rules: tuple[Rule[T], ...]

    def match(self, facts: RequestFacts) -> Rule[T] | None:
        """The first rule that matches, or None (no match: the virtual server answers 503)."""
        for rule in self.rules:
            if rule.matches(facts):
                return rule
        return None

    def __len__(self) -> int:
        return len(self.rules)


def l4_networks(ip: str, ip6: str) -> tuple[Network, ...]:
    """An ``l4-content-routing`` rule's source networks (an unparsable value matches nothing)."""
    return tuple(n for n in (_network(ip), _network(ip6)) if n is not None)
