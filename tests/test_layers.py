"""The seams: layers import one way, no module circle, and the engine runs without the data plane.

Layers, left to right: schema -> config -> {engine, dataplane} -> appliance -> cli. Every import (at
module level or inside a function) is read with ``ast``; ``if TYPE_CHECKING:`` imports count for the
layer rules, not for circles (they never run).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# rank of each layer; a module may import modules of a lower or equal rank, never higher
RANKS = {"adc": 0, "adc.errors": 0, "adc.version": 0, "adc.data": 0, "adc.schema": 1, "adc.config": 2, "adc.certs": 2,
         "adc.logs": 2, "adc.status": 2, "adc.engine": 3, "adc.dataplane": 3, "adc.appliance": 4, "adc.labs": 5,
         "cli": 6}
SIDEWAYS = {("adc.engine", "adc.dataplane"), ("adc.dataplane", "adc.engine")}
FORBIDDEN = {"adc.engine": ("trio", "h11", "prompt_toolkit", "adc.dataplane"), "adc": ("prompt_toolkit", "cli")}


def modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for top in ("adc", "cli"):
        for p in (root / top).rglob("*.py"):
            name = ".".join(p.relative_to(root).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = p
    return out


def layer(name: str) -> str:
    return max((k for k in RANKS if name == k or name.startswith(k + ".")), key=len)


def imports(mods: dict[str, Path], name: str) -> list[tuple[str, bool]]:
    """(imported module, only under TYPE_CHECKING) for every import in the module's file."""
    path = mods[name]
    tree = ast.parse(path.read_text())
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for sub in node.body for n in ast.walk(sub))
    pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            targets = [target] + [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in mods]
        out += [(t, id(node) in typing_only) for t in targets]
    return out


def wrong_imports(mods: dict[str, Path]) -> list[str]:
    wrong = []
    for name in mods:
        mine = layer(name)
        for target, _ in imports(mods, name):
            for prefix, banned in FORBIDDEN.items():
                if (name == prefix or name.startswith(prefix + ".")) and any(
                        target == b or target.startswith(b + ".") for b in banned):
                    wrong.append(f"{name} imports {target}")
            if target in mods or target.split(".")[0] in ("adc", "cli"):
                theirs = layer(target)
                if RANKS[theirs] > RANKS[mine] or (mine, theirs) in SIDEWAYS:
                    wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    return sorted(set(wrong))


def circles(mods: dict[str, Path]) -> list[str]:
    graph = {n: {t for t, typing in imports(mods, n) if not typing and t in mods and t != n} for n in mods}
    found = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(n: str, path: list[str]) -> None:
        state[n] = 1
        for t in sorted(graph[n]):
            if state.get(t) == 1:
                found.append(" -> ".join(path[path.index(t):] + [t]))
            elif t not in state:
                visit(t, path + [t])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    return found


def test_layers_import_one_way() -> None:
    assert wrong_imports(modules()) == []


def test_no_import_circles() -> None:
    assert circles(modules()) == []


def test_the_checks_see_wrong_imports_and_circles(tmp_path: Path) -> None:
    """Both checks can fail: a planted wrong-way import, trio in the engine, and a circle are all named."""
    files = {
        "adc/__init__.py": "",
        "adc/engine/__init__.py": "",
        "adc/engine/a.py": "def f():\n    from . import b\n",
        "adc/engine/b.py": "from .a import f\nimport trio\n",
        "adc/dataplane/__init__.py": "",
        "adc/dataplane/x.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..engine.a import f\n",
        "adc/schema/__init__.py": "from ..config import tree\n",
        "adc/config/__init__.py": "",
        "adc/config/tree.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    mods = modules(tmp_path)
    assert wrong_imports(mods) == [
        "adc.dataplane.x (adc.dataplane) imports adc.engine.a (adc.engine)",
        "adc.engine.b imports trio",
        "adc.schema (adc.schema) imports adc.config (adc.config)",
        "adc.schema (adc.schema) imports adc.config.tree (adc.config)",
    ]
    assert circles(mods) == ["adc.engine.a -> adc.engine.b -> adc.engine.a"]


def test_a_console_session_runs_without_trio_or_the_data_plane() -> None:
    """Typing, ``?``, Tab, commits and reports on a non-serving appliance load neither trio nor the data plane."""
    code = (
        "import sys\n"
        "from adc.appliance import Appliance\n"
        "s = Appliance(None).session()\n"
        "for line in ['config load-balance real-server', 'edit rs1', 'set ip 10.0.0.1', 'end', 'get system status',\n"
        "             'show', 'diagnose server-load-balance slb_load', 'get load-balance virtual-server-status']:\n"
        "    r = s.execute(line); assert not r.failed, (line, r.error)\n"
        "s.help('config load-balance '); s.complete('conf'); s.help('execute ')\n"
        "loaded = sorted(m for m in sys.modules if m == 'trio' or m.startswith(('trio.', 'adc.dataplane', 'h11')))\n"
        "print(' '.join(loaded) or 'none')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "none"
