"""Health checks (stub: every member is up). Replaced by the real prober."""
from __future__ import annotations

from typing import Callable, Iterable

from .lb import Counters
from .spec import MemberSpec


class HealthMonitor:
    def __init__(self, counters: Counters, on_change: Callable[[MemberSpec, bool, str], None]) -> None:
        self.counters = counters
        self.on_change = on_change

    def update(self, members: Iterable[MemberSpec]) -> None:
        """Called in the data plane's thread after every reconcile with every member in service."""

    async def run(self) -> None:
        """Runs for the data plane's lifetime in its nursery."""
