"""Status commands (stub). ``STATUS_DIAGNOSE``/``STATUS_EXECUTE`` are verb tables merged into
``diagnose``/``execute``; ``STATUS_GETS`` adds ``get`` paths answered by a function of the appliance."""
from __future__ import annotations

from typing import Any, Callable

from .verb import Verb

STATUS_DIAGNOSE: tuple[Verb, ...] = ()
STATUS_EXECUTE: tuple[Verb, ...] = ()
STATUS_GETS: dict[tuple[str, ...], tuple[str, Callable[[Any], str]]] = {}
