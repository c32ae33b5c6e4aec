"""Load-balancing methods (``config load-balance method``) as sans-IO pickers.

The data plane asks a picker which pool member should get a new connection or request. Pickers do
no I/O, read no clock and hold no locks: everything about the outside world comes in through a
``PickContext`` (who is asking, for what) and a ``MemberLoad`` (live connection counts and health),
so they are plain objects that tests can drive step by step.

One picker is built per virtual server per config generation (``make_picker``); it keeps the
round-robin position between calls. It never acquires a member: the caller does
``Counters.acquire``/``release`` around the connection, so a picker can also be asked "what would you
pick" and persistence can be layered on top with ``available`` and ``usable``.

Availability (FortiADC semantics): a member takes new traffic only when its status is ``enable``
(``disable`` and ``maintain`` take none), it is healthy, and it is under its ``connection-limit``
(0 = none). Backup members are used only while no primary member is available, and then the same
method runs over the available backups.

Methods:

* ``round-robin``: weighted, in member order, each member ``weight`` times in a row (A=2, B=1 gives
  A A B A A B, as the CLI reference says); unavailable members are skipped, the others keep their
  pattern.
* ``least-connection``: fewest active; ties go to the higher weight, then to member order.
* ``uri-hash``, ``full-uri-hash``, ``host-hash``, ``host-domain-hash``, ``dest-ip-hash``: weighted
  rendezvous (highest random weight) hashing of the key with blake2b, stable across processes;
  removing a member only moves that member's keys. An empty key falls back to round robin.
* ``fastest-response`` and ``dynamic-load`` need response-time and server-load probes the emulator
  does not have; they fall back to least-connection.
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from typing import Callable, Protocol

from .spec import MemberSpec, PoolSpec

__all__ = [
    "METHOD_TYPES",
    "Counters",
    "HashPicker",
    "LeastConnectionPicker",
    "MemberLoad",
    "PickContext",
    "Picker",
    "RoundRobinPicker",
    "host_domain",
    "make_picker",
]


@dataclass(frozen=True)
class PickContext:
    """What the picker may look at for one new connection or request."""

    client_ip: str
    client_port: int
    dest_ip: str
    dest_port: int
    host: str = ""  # HTTP Host header without the port
    uri: str = ""  # request target path, without the query
    full_uri: str = ""
    cookie: str = ""  # the request's Cookie header(s), for cookie persistence
    tls_session: bytes = b""  # the client's TLS session id, for SSL session id persistence  # path + query
    referer: str = ""  # the Referer header (content routing)
    sni: str = ""  # the server name of the client's TLS hello (content routing)


class MemberLoad(Protocol):
    def active(self, ident: str) -> int: ...

    def healthy(self, ident: str) -> bool: ...


class Counters:
    """Per-member live and total connection counts plus health, keyed by ``MemberSpec.ident``.

    Plain dicts, no locking: the data plane uses it from its one trio thread. Keyed by ident so the
    counts survive a commit that rebuilds the specs and pickers.
    """

    def __init__(self) -> None:
        self._active: dict[str, int] = {}
        self._total: dict[str, int] = {}
        self._down: set[str] = set()

    def acquire(self, ident: str) -> None:
        self._active[ident] = self._active.get(ident, 0) + 1
        self._total[ident] = self._total.get(ident, 0) + 1

    def release(self, ident: str) -> None:
        n = self._active.get(ident, 0) - 1
        if n > 0:
            self._active[ident] = n
        else:
            self._active.pop(ident, None)

    def active(self, ident: str) -> int:
        return self._active.get(ident, 0)

    def total(self, ident: str) -> int:
        return self._total.get(ident, 0)

    def set_health(self, ident: str, up: bool) -> None:
        if up:
            self._down.discard(ident)
        else:
            self._down.add(ident)

    def healthy(self, ident: str) -> bool:
        return ident not in self._down


class Picker:
    """Availability rules shared by every method; subclasses choose among ``available``."""

    def __init__(self, method: str, pool: PoolSpec) -> None:
        self.method = method
        self.pool = pool
        self._index = {id(m): i for i, m in enumerate(pool.members)}

    def find(self, ident: str) -> MemberSpec | None:
        """This generation's member with that ident (persistence stores idents across commits)."""
        return next((m for m in self.pool.members if m.ident == ident), None)

    def usable(self, member: MemberSpec, load: MemberLoad) -> bool:
        """Whether the member itself can take new traffic (status, health, limit).

        Ignores the backup rule on purpose: persistence decides whether a session pinned to a backup
        stays there; ``member in picker.available(load)`` gives the tier-aware answer.
        """
        if member.status != "enable" or not load.healthy(member.ident):
            return False
        return member.connection_limit <= 0 or load.active(member.ident) < member.connection_limit

    def available(self, load: MemberLoad) -> list[MemberSpec]:
        """Usable primaries in member order, or usable backups when no primary is usable."""
        usable = [m for m in self.pool.members if self.usable(m, load)]
        primaries = [m for m in usable if not m.backup]
        return primaries or usable

    def pick(self, ctx: PickContext, load: MemberLoad) -> MemberSpec | None:
        candidates = self.available(load)
        return self._choose(candidates, ctx, load) if candidates else None

    def _choose(self, candidates: list[MemberSpec], ctx: PickContext, load: MemberLoad) -> MemberSpec:
        raise NotImplementedError


class RoundRobinPicker(Picker):
    """Weighted round robin over a fixed schedule (each member ``weight`` times in a row).

    Primaries and backups have their own schedule and position. Each pick walks the schedule from
    the saved position to the next available entry, so a skipped member does not shift the others.
    """

    def __init__(self, method: str, pool: PoolSpec) -> None:
        super().__init__(method, pool)
        self._schedule: dict[bool, list[int]] = {False: [], True: []}
        for i, m in enumerate(pool.members):
            self._schedule[m.backup].extend([i] * max(1, m.weight))
        self._pos: dict[bool, int] = {False: 0, True: 0}

    def _choose(self, candidates: list[MemberSpec], ctx: PickContext, load: MemberLoad) -> MemberSpec:
        tier = candidates[0].backup
        schedule = self._schedule[tier]
        allowed = {self._index[id(m)] for m in candidates}
        pos = self._pos[tier]
        for step in range(len(schedule)):
            at = (pos + step) % len(schedule)
            if schedule[at] in allowed:
                self._pos[tier] = (at + 1) % len(schedule)
                return self.pool.members[schedule[at]]
        raise AssertionError("a candidate is missing from the schedule")  # pragma: no cover


class LeastConnectionPicker(Picker):
    """Fewest active connections; ties to the higher weight, then the earlier member."""

    def _choose(self, candidates: list[MemberSpec], ctx: PickContext, load: MemberLoad) -> MemberSpec:
        return min(candidates, key=lambda m: (load.active(m.ident), -m.weight))


def host_domain(host: str) -> str:
    """The host without its first label when it has 3+ labels (``www.example.com`` -> ``example.com``).

    IP literals are kept whole.
    """
    host = host.strip().lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    labels = host.split(".")
    return ".".join(labels[1:]) if len(labels) >= 3 else host


def _score(key: str, member: MemberSpec) -> float:
    """Weighted rendezvous score: ``weight / -ln(u)`` with ``u`` in (0, 1) from blake2b."""
    digest = hashlib.blake2b(f"{member.ident}\x00{key}".encode(), digest_size=8).digest()
    u = (int.from_bytes(digest, "big") + 0.5) / 2.0**64
    return max(1, member.weight) / -math.log(u)


class HashPicker(RoundRobinPicker):
    """Rendezvous hashing of a key taken from the context; round robin when the key is empty."""

    def __init__(self, method: str, pool: PoolSpec, key: Callable[[PickContext], str]) -> None:
        super().__init__(method, pool)
        self.key = key

    def _choose(self, candidates: list[MemberSpec], ctx: PickContext, load: MemberLoad) -> MemberSpec:
        key = self.key(ctx)
        if not key:
            return super()._choose(candidates, ctx, load)
        return max(candidates, key=lambda m: _score(key, m))  # max keeps the first on a tie


_HASH_KEYS: dict[str, Callable[[PickContext], str]] = {
    "uri-hash": lambda c: c.uri,
    "full-uri-hash": lambda c: c.full_uri or c.uri,
    "host-hash": lambda c: c.host.strip().lower().rstrip("."),
    "host-domain-hash": lambda c: host_domain(c.host),
    "dest-ip-hash": lambda c: c.dest_ip,
}

METHOD_TYPES = ("round-robin", "least-connection", "fastest-response", "dynamic-load", *_HASH_KEYS)


def make_picker(method_type: str, pool: PoolSpec) -> Picker:
    """A fresh picker for one virtual server's method and pool (one per config generation).

    ``fastest-response`` and ``dynamic-load`` fall back to least-connection; an empty type is
    round robin (the GUI default method). Other unknown types raise
    ``ValueError`` (the schema only admits ``METHOD_TYPES``). The virtual server's own
    ``connection-limit`` is the caller's check, not the picker's.
    """
    if method_type in ("round-robin", ""):
        return RoundRobinPicker(method_type, pool)
    if method_type in ("least-connection", "fastest-response", "dynamic-load"):
        return LeastConnectionPicker(method_type, pool)
    if method_type in _HASH_KEYS:
        return HashPicker(method_type, pool, _HASH_KEYS[method_type])
    raise ValueError(f"unknown load-balance method type {method_type!r}")
