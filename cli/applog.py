"""Where the appliance's own log lines go when it runs from the ``adc`` command."""
from __future__ import annotations

from pathlib import Path


def log_to(path: Path) -> None:
    """Data-plane warnings go to a file in the data directory, never across the operator's prompt."""
    import logging

    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("adc")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
    logging.raiseExceptions = False  # a full disk under adc.log drops lines; it never prints tracebacks
