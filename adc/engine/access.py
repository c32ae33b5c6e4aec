"""What an administrator may do: the areas of an access profile (``config system accprofile``, CLI744
p. 403), read as data.

A profile names areas by attribute (``system``, ``load-balance``, ``router``...) with ``none``, ``read``
or ``read-write``. The area of a table is the first word of its path when a profile has an attribute of
that name (``config global-dns-server`` belongs to ``global-load-balance``: the reference's table of areas),
else ``system`` (``config user``, ``config endpoint-control``... are run by system admins). The factory
``super_admin_prof`` may do everything, as on the box. ``read`` is view access: ``get``, ``show``, and
``config``/``edit`` of what exists to look at it; a change (``set``, a new entry, a commit, a restore)
needs ``read-write``. In a ``none`` area nothing is seen: its tables are left out of ``?``, Tab and
``show``, and naming one is refused (-37). A profile with no ``read-write`` area at all is read-only: its
sessions get the ``$`` prompt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..config.tree import ConfigTree, Entry, TableData
from ..errors import CommandFail
from ..schema.registry import Schema

SUPER_PROFILE = "super_admin_prof"
PROFILE_PATH = ("system", "accprofile")
READ = "read"
READ_WRITE = "read-write"
DENIED = -37  # Permission denied.
# Path words whose area is not the word itself (CLI744 p. 403, Areas of control: Global Load Balance is
# ``config global-dns-server``; ``config global-load-balance`` is the area's own name).
AREA_OF = {"global-dns-server": "global-load-balance"}


@dataclass(frozen=True)
class Access:
    """The areas a session may change; ``everything`` for the super admin (and the local console)."""

    everything: bool = True
    areas: Mapping[str, str] = field(default_factory=dict)

    def area(self, path: tuple[str, ...]) -> str:
        word = AREA_OF.get(path[0], path[0]) if path else "system"
        return word if word in self.areas else "system"

    def can_write(self, path: tuple[str, ...]) -> bool:
        return self.everything or self.areas.get(self.area(path)) == READ_WRITE

    def can_read(self, path: tuple[str, ...]) -> bool:
        return self.everything or self.areas.get(self.area(path)) in (READ, READ_WRITE)

    @property
    def reads_everything(self) -> bool:
        return self.everything or all(v in (READ, READ_WRITE) for v in self.areas.values())

    @property
    def read_only(self) -> bool:
        return not self.everything and READ_WRITE not in self.areas.values()

    def check_write(self, path: tuple[str, ...]) -> None:
        if not self.can_write(path):
            raise CommandFail(DENIED, f"Permission denied: no read-write access to {self.area(path)}")

    def check_read(self, path: tuple[str, ...]) -> None:
        if not self.can_read(path):
            raise CommandFail(DENIED, f"Permission denied: no access to {self.area(path)}")


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
