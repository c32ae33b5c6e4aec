"""Child process for the kill test in test_persist.py: commits deterministic changes until killed.

Usage: python _persist_worker.py DATADIR SYNC(0|1) COMPACT_EVERY MAX_COMMITS
Prints the generation it reached after each commit (flushed), so the parent knows what was acknowledged.
The change made at generation g depends on g alone (``operation``), so the parent can rebuild the
expected tree for any generation.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adc.config.store import Change, ConfigStore  # noqa: E402
from adc.config.tree import ConfigTree, Entry  # noqa: E402

VS = ("load-balance", "virtual-server")
GLOBAL = ("system", "global")


def operation(g: int) -> Change | ConfigTree:
    """What generation ``g`` (>= 1) does: a Change to commit, or a ConfigTree to replace with."""
    if g % 11 == 0:
        tree = ConfigTree()
        for j in range(max(0, g - 3), g):
            tree.table(VS).put(Entry(f"vs{j}", {"port": str(j)}))
        tree.nodes[GLOBAL] = Entry(None, {"hostname": f"r{g}"})
        return tree
    if g % 7 == 3:
        return Change(VS, f"vs{g - 2}", None)  # delete (maybe absent)
    if g % 5 == 1:
        return Change(GLOBAL, None, Entry(None, {"hostname": f"h{g}"}))
    if g % 13 == 6:
        return Change(VS, f"vs{g - 4}", Entry(f"vs{g - 4}", {"port": str(g)}))  # re-put: keeps position
    return Change(VS, f"vs{g}", Entry(f"vs{g}", {"port": str(g)}))


def step(store: ConfigStore) -> None:
    op = operation(store.generation + 1)
    if isinstance(op, ConfigTree):
        store.replace(op)
    else:
        store.commit(op)


def main() -> None:
    from adc.config.persist import DataDir

    path, sync, compact_every, max_commits = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), int(sys.argv[4])
    data = DataDir(path, sync=sync, compact_every=compact_every)
    tree, gen = data.load_or_init(ConfigTree)
    store = ConfigStore(tree, data, gen)
    for _ in range(max_commits):
        step(store)
        sys.stdout.write(f"{store.generation}\n")
        sys.stdout.flush()
    data.close()


if __name__ == "__main__":
    main()
