"""The terminal side of ``adc``: the interactive console and the script driver.

Both only move lines and text between a terminal (or a pipe) and the sans-IO command engine in
``adc.engine``; nothing here parses commands or knows the configuration tree.
"""
from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """The ``adc`` entry point (imported lazily so ``import cli`` stays cheap)."""
    from .main import main as _main

    return _main(argv)
