"""Who may log in over SSH: the administrators of ``config system admin`` and the lockout rule.

A password is checked against the stored hash (``adc.config.secrets``); the factory ``admin`` has an
empty password, as a fresh box. An admin logs in only from an address inside its ``trusted-hosts``
(IPv4) or ``trusted-hosts6`` (IPv6). Three failed logins in a row from one address disconnect it and
lock that address out for a minute (FortiADC 7.4); a login attempted from a locked address fails
without its password being looked at. Every login, failure, lockout and logout goes to the event log
in the words of the Log Reference (0001001000 admin login, 0001001001 admin logout).
"""
from __future__ import annotations

import ipaddress
import threading
import time
from enum import Enum
from typing import TYPE_CHECKING, Callable

from adc.config.secrets import verify_password
from adc.config.tree import Entry, TableData
from adc.engine.access import Access, profile_access

if TYPE_CHECKING:
    from adc.appliance import Appliance

ADMIN_PATH = ("system", "admin")
MAX_FAILURES = 3
LOCKOUT_SECONDS = 60.0


class Verdict(Enum):
    OK = "ok"
    FAILED = "failed"  # wrong name, password or address: the client may try again
    LOCKED = "locked"  # this failure locked the address out (or it was already): disconnect


def in_trusted(entry: Entry, address: str) -> bool:
    """Whether ``address`` is inside the admin's trusted hosts (an unset list trusts everyone)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    name = "trusted-hosts" if ip.version == 4 else "trusted-hosts6"
    default = "0.0.0.0/0" if ip.version == 4 else "::/0"
    raw = entry.values.get(name, default)
    nets = raw if isinstance(raw, tuple) else tuple(str(raw).split())
    for net in nets or (default,):
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


class LoginPolicy:
    """Login checks and the per-address failure count; safe to call from several threads."""

    def __init__(self, app: "Appliance", clock: Callable[[], float] = time.monotonic,
                 max_failures: int = MAX_FAILURES, lockout: float = LOCKOUT_SECONDS) -> None:
        self.app = app
        self.clock = clock
        self.max_failures = max_failures
        self.lockout = lockout
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    def admin(self, user: str) -> Entry | None:
        node = self.app.store.tree.nodes.get(ADMIN_PATH)
        return node.get(user) if isinstance(node, TableData) else None

    def is_locked(self, address: str) -> bool:
        with self._lock:
            until = self._locked_until.get(address)
            if until is None:
                return False
            if self.clock() >= until:
                del self._locked_until[address]
                return False
            return True

    def check(self, user: str, password: str, address: str, via: str = "ssh") -> Verdict:
        """Check one login attempt, count it and log it."""
        if self.is_locked(address):
            self.app.event("admin", f"User {user} login failed from blocked ip {address}")
            return Verdict.LOCKED
        entry = self.admin(user)
        stored = entry.values.get("password", "") if entry is not None else None
        good = (entry is not None and isinstance(stored, str) and in_trusted(entry, address)
                and verify_password(stored, password))
        with self._lock:
            if good:
                self._failures.pop(address, None)
            else:
                self._failures[address] = count = self._failures.get(address, 0) + 1
                if count >= self.max_failures:
                    self._failures.pop(address, None)
                    self._locked_until[address] = self.clock() + self.lockout
        if good:
            self.app.event("admin", f"User {user} login successfully from {via}")
            return Verdict.OK
        self.app.event("admin", f"User {user} login failed from {via}")
        if self.is_locked(address):
            self.app.event("admin", f"User {user} from {via} has been tried more than {self.max_failures} times.")
            return Verdict.LOCKED
        return Verdict.FAILED

    def access(self, user: str) -> Access:
        """What ``user`` may change, from its access profile (read at login)."""
        entry = self.admin(user)
        if entry is None:
            return profile_access(self.app.schema, self.app.store.tree, "")
        profile = entry.values.get("access-profile", "super_admin_prof")
        return profile_access(self.app.schema, self.app.store.tree, str(profile))
