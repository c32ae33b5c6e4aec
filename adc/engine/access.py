"""What an administrator may do: the areas of an access profile (``config system accprofile``, CLI744
p. 403), read as data.

A profile names areas by attribute (``system``, ``load-balance``, ``router``...) with ``none``, ``read``
or ``read-write``. The area of a table is the first word of its path when a profile has an attribute of
that name, else ``system`` (``config user``, ``config global-dns-server``... are run by system admins).
The factory ``super_admin_prof`` may do everything, as on the box. A change (a commit, a restore) needs
``read-write`` on its area; ``get``/``show`` stay open (the reference: read access is view access). A
profile with no ``read-write`` area at all is read-only: its sessions get the ``$`` prompt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..config.tree import ConfigTree, Entry, TableData
from ..errors import CommandFail
from ..schema.registry import Schema

SUPER_PROFILE = "super_admin_prof"
PROFILE_PATH = ("system", "accprofile")
READ_WRITE = "read-write"
DENIED = -37  # Permission denied.


@dataclass(frozen=True)
class Access:
    """The areas a session may change; ``everything`` for the super admin (and the local console)."""

    everything: bool = True
    areas: Mapping[str, str] = field(default_factory=dict)

    def area(self, path: tuple[str, ...]) -> str:
        return path[0] if path and path[0] in self.areas else "system"

    def can_write(self, path: tuple[str, ...]) -> bool:
        return self.everything or self.areas.get(self.area(path)) == READ_WRITE

    @property
    def read_only(self) -> bool:
        return not self.everything and READ_WRITE not in self.areas.values()

    def check_write(self, path: tuple[str, ...]) -> None:
        if not self.can_write(path):
            raise CommandFail(DENIED, f"Permission denied: no read-write access to {self.area(path)}")


FULL = Access()


def profile_access(schema: Schema, tree: ConfigTree, profile: str) -> Access:
    """The access of profile ``profile`` as committed (a missing profile gives nothing: read-only)."""
    if profile == SUPER_PROFILE:
        return FULL
    table = schema.table(PROFILE_PATH)
    if table is None:
        return FULL
    node = tree.nodes.get(PROFILE_PATH)
    entry = node.get(profile) if isinstance(node, TableData) else None
    values = entry.values if isinstance(entry, Entry) else {}
    areas = {a.name: str(values.get(a.name, a.default)) for a in table.attrs}
    return Access(everything=False, areas=areas)
