"""Who is logged in to the appliance, from where: what ``get system info admin status`` lists.

The SSH console adds a row at each login and removes it at logout; the table is shared by threads (the
SSH event loop adds, consoles read), hence the lock.
"""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Login:
    index: int
    user: str
    via: str  # "ssh", "console"
    address: str
    since: float


class Logins:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, Login] = {}
        self._ids = itertools.count()

    def add(self, user: str, via: str, address: str) -> Login:
        with self._lock:
            row = Login(next(self._ids), user, via, address, time.time())
            self._rows[row.index] = row
            return row

    def remove(self, row: Login) -> None:
        with self._lock:
            self._rows.pop(row.index, None)

    def rows(self) -> list[Login]:
        with self._lock:
            return sorted(self._rows.values(), key=lambda r: r.index)


def admin_status(rows: list[Login]) -> list[str]:
    """The listing, as FortiOS prints ``get system info admin status`` (FortiADC's reference has no
    such command; this is the Fortinet form automation knows)."""
    out = [f"{'Index':<8}{'User name':<16}{'Login type':<16}{'From':<24}{'Login time'}"]
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.since))
        out.append(f"{r.index:<8}{r.user:<16}{'CLI':<16}{f'{r.via}({r.address})':<24}{when}")
    return out
