"""Persistence (stub: no persistence). Replaced by the real tables."""
from __future__ import annotations

from .lb import MemberLoad, PickContext, Picker
from .spec import MemberSpec, PersistenceSpec


class PersistenceTable:
    def __init__(self, spec: PersistenceSpec | None, max_entries: int = 262144) -> None:
        self.spec = spec
        self.max_entries = max_entries

    def pick(self, ctx: PickContext, picker: Picker, load: MemberLoad, now: float) -> MemberSpec | None:
        return picker.pick(ctx, load)

    def response_headers(self, member: MemberSpec, ctx: PickContext, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return headers
