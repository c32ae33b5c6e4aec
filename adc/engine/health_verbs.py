"""``execute health-check-verify`` (stub). Replaced by the real verb."""
from __future__ import annotations

from .verb import Verb

HEALTH_VERBS: tuple[Verb, ...] = ()
