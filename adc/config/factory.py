"""The factory-default configuration, built from the schema's list of factory objects."""
from __future__ import annotations

from ..schema.registry import FactoryEntry, Schema
from .tree import ConfigTree, Entry


def _entry(f: FactoryEntry) -> Entry:
    e = Entry(f.key, dict(f.values), reserved=f.reserved)
    for name, kids in f.children.items():
        table = e.child(name)
        for kid in kids:
            table.put(_entry(kid))
    return e


def factory_tree(schema: Schema) -> ConfigTree:
    """A fresh appliance: every table present (empty or holding its factory entries)."""
    tree = ConfigTree()
    for table in schema.tables:
        if table.kind == "single":
            tree.single(table.path)
        else:
            tree.table(table.path)
    for f in schema.factory:
        if f.key is None:
            tree.nodes[f.path] = _entry(f)
        else:
            tree.table(f.path).put(_entry(f))
    return tree


def add_missing_factory(tree: ConfigTree, schema: Schema) -> list[tuple[str, ...]]:
    """Give a configuration saved by an older adc the reserved factory objects it lacks (objects of
    tables added since: ``super_admin_prof``, the WAF actions...), so that references and defaults
    naming them resolve. Ordinary config and existing objects are left as they are. Returns the
    (path..., key) of each object added."""
    added: list[tuple[str, ...]] = []
    for f in schema.factory:
        if f.key is None or not f.reserved:
            continue
        table = tree.table(f.path)
        if table.get(f.key) is None:
            table.put(_entry(f))
            added.append(f.path + (f.key,))
    return added
