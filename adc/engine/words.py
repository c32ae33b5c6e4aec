"""Keyword matching: every word may be shortened to a unique prefix (``g sy st``)."""
from __future__ import annotations

from typing import Iterable

from ..errors import AdcError, AmbiguousCommand


def match(word: str, candidates: Iterable[str], unknown: type[AdcError] | AdcError) -> str:
    """The candidate ``word`` names: exact match first, else the only one it prefixes.

    ``unknown`` is raised (an exception instance, or a class built with no argument) when nothing
    matches; an ambiguous prefix raises ``AmbiguousCommand``.
    """
    cands = list(candidates)
    if word in cands:
        return word
    hits = [c for c in cands if c.startswith(word)] if word else []
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise AmbiguousCommand(word)
    raise unknown if isinstance(unknown, AdcError) else unknown()
