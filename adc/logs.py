"""Traffic and event logs in the data directory (stub: discards). Replaced by the real writer."""
from __future__ import annotations

from pathlib import Path


class LogFiles:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir

    def traffic(self, line: str) -> None:
        pass

    def event(self, category: str, text: str) -> None:
        pass

    def close(self) -> None:
        pass
