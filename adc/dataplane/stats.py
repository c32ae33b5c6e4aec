"""Live statistics (stub: records nothing). Replaced by the real counters and session table."""
from __future__ import annotations

from ..logs import LogFiles
from .observe import NullObserver
from .spec import MemberSpec


class Stats(NullObserver):
    def __init__(self, logs: LogFiles) -> None:
        self.logs = logs

    def health_changed(self, member: MemberSpec, up: bool, reason: str) -> None:
        pass
