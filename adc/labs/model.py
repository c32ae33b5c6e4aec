"""The lab file format (TOML, read with the standard library's ``tomllib``); see docs/labs.md.

A lab is plain data so a trainer writes one without Python. Loading checks the shape and names every
mistake with the file; nothing is guessed. ``{net}`` in any text is the lab's own address block
(``127.A.B``), chosen per data directory when the lab is reset, so several trainees on one machine
never share an address.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import AdcError

PLACEHOLDER = "{net}"
CHECK_KINDS = ("config", "traffic", "command")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SCHEMES = ("http", "https", "ws", "wss")


class LabError(AdcError):
    """A lab file that cannot be used, a lab that does not exist, or a data directory not set up for it."""


@dataclass(frozen=True)
class Backend:
    """A server the lab starts on loopback; it answers every request with its own ``name``."""

    name: str
    address: str
    port: int
    tls: bool = False
    status: int = 200  # a broken server answers 500, say


@dataclass(frozen=True)
class Check:
    """One graded item. ``spec`` holds the kind's own fields (see docs/labs.md)."""

    name: str
    kind: str
    feedback: str
    spec: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    task: str
    hints: tuple[str, ...]
    initial: str
    solution: str
    backends: tuple[Backend, ...]
    checks: tuple[Check, ...]
    path: Path | None = None

    def with_net(self, net: str) -> Lab:
        """The lab with ``{net}`` replaced everywhere by the address block ``net``."""
        sub = lambda text: text.replace(PLACEHOLDER, net)  # noqa: E731
        return Lab(
            id=self.id, title=self.title, task=sub(self.task), hints=tuple(sub(h) for h in self.hints),
            initial=sub(self.initial), solution=sub(self.solution),
            backends=tuple(Backend(b.name, sub(b.address), b.port, b.tls, b.status) for b in self.backends),
            checks=tuple(Check(sub(c.name), c.kind, sub(c.feedback), _sub_all(c.spec, net)) for c in self.checks),
            path=self.path)


def _sub_all(value: Any, net: str) -> Any:
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, net)
    if isinstance(value, list):
        return [_sub_all(v, net) for v in value]
    if isinstance(value, dict):
        return {k: _sub_all(v, net) for k, v in value.items()}
    return value


# The fields each check kind takes (besides name, kind, feedback), with their types.
CHECK_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "config": {"table": str, "entry": str, "child": str, "match": dict, "absent": bool},
    "traffic": {"url": str, "requests": int, "status": int, "backends": list, "any_of": list, "same_backend": bool,
                "cookies": bool, "certificate": str, "websocket": bool, "messages": int, "wait": (int, float),
                "host": str},
    "command": {"pattern": str},
}
REQUIRED = {"config": ("table",), "traffic": ("url",), "command": ("pattern",)}


class _Reader:
    """Reads one table of the file, naming the file and the place of every mistake."""

    def __init__(self, where: str, data: Mapping[str, Any]) -> None:
        self.where = where
        self.data = data

    def fail(self, problem: str) -> LabError:
        return LabError(f"{self.where}: {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(f"'{key}' is missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(f"'{key}' must be a number")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(f"'{key}' must be {_type_word(names)}")
        return value

    def unknown(self, allowed: set[str]) -> None:
        extra = sorted(set(self.data) - allowed)
        if extra:
            raise self.fail(f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}")


def _type_word(name: str) -> str:
    return {"str": "a string", "int": "a number", "float": "a number", "int or float": "a number",
            "bool": "true or false", "list": "a list", "dict": "a table"}.get(name, name)


def parse_lab(text: str, path: Path | None = None) -> Lab:
    """A lab from the text of its file; raises ``LabError`` naming the problem."""
    where = str(path) if path is not None else "lab"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabError(f"{where}: not valid TOML ({exc})") from None
    top = _Reader(where, data)
    top.unknown({"id", "title", "task", "hints", "initial", "solution", "backends", "checks"})
    lab_id = top.get("id", str, required=True)
    if not ID_RE.match(lab_id):
        raise top.fail(f"id {lab_id!r} must be lower-case letters, digits and dashes")
    hints = top.get("hints", list, [])
    if not all(isinstance(h, str) for h in hints):
        raise top.fail("'hints' must be a list of strings")
    backends = []
    for i, raw in enumerate(top.get("backends", list, [])):
        r = _Reader(f"{where}: backends[{i + 1}]", raw if isinstance(raw, dict) else {})
        if not isinstance(raw, dict):
            raise r.fail("must be a table")
        r.unknown({"name", "address", "port", "tls", "status"})
        port = r.get("port", int, required=True)
        if not 1 <= port <= 65535:
            raise r.fail("'port' must be 1-65535")
        status = r.get("status", int, 200)
        if not 200 <= status <= 599:
            raise r.fail("'status' must be 200-599")
        backends.append(Backend(r.get("name", str, required=True), r.get("address", str, required=True),
                                port, r.get("tls", bool, False), status))
    names = [b.name for b in backends]
    if len(set(names)) != len(names):
        raise top.fail("two backends share a name")
    checks = []
    for i, raw in enumerate(top.get("checks", list, [])):
        r = _Reader(f"{where}: checks[{i + 1}]", raw if isinstance(raw, dict) else {})
        if not isinstance(raw, dict):
            raise r.fail("must be a table")
        kind = r.get("kind", str, required=True)
        if kind not in CHECK_KINDS:
            raise r.fail(f"kind {kind!r} is not one of {', '.join(CHECK_KINDS)}")
        fields = CHECK_FIELDS[kind]
        r.unknown({"name", "kind", "feedback"} | set(fields))
        spec = {key: r.get(key, typ, required=key in REQUIRED[kind]) for key, typ in fields.items() if key in raw}
        for key in REQUIRED[kind]:
            r.get(key, fields[key], required=True)
        _check_spec(r, kind, spec, set(names))
        checks.append(Check(r.get("name", str, required=True), kind, r.get("feedback", str, required=True), spec))
    if not checks:
        raise top.fail("a lab needs at least one check")
    return Lab(id=lab_id, title=top.get("title", str, required=True), task=top.get("task", str, required=True),
               hints=tuple(hints), initial=top.get("initial", str, ""), solution=top.get("solution", str, required=True),
               backends=tuple(backends), checks=tuple(checks), path=path)


def _check_spec(r: _Reader, kind: str, spec: dict[str, Any], backends: set[str]) -> None:
    if kind == "traffic":
        scheme = spec["url"].partition("://")[0]
        if scheme not in SCHEMES:
            raise r.fail(f"'url' must start with {', '.join(s + '://' for s in SCHEMES)}")
        unknown = [b for b in spec.get("backends", []) + spec.get("any_of", []) if b not in backends]
        if unknown:
            raise r.fail(f"'backends' or 'any_of' names {', '.join(map(str, unknown))}, not a backend of the lab")
        if spec.get("requests", 1) < 1 or spec.get("requests", 1) > 100:
            raise r.fail("'requests' must be 1-100")
    elif kind == "command":
        try:
            re.compile(spec["pattern"])
        except re.error as exc:
            raise r.fail(f"'pattern' is not a regular expression ({exc})") from None
    elif kind == "config":
        match = spec.get("match", {})
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in match.values()):
            raise r.fail("'match' values must be strings or numbers")


def load_lab(path: Path) -> Lab:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabError(f"{path}: cannot be read ({exc})") from None
    return parse_lab(text, path)


def default_labs_dir() -> Path:
    """The course shipped with adc: ``labs/`` at the top of the source tree."""
    return Path(__file__).resolve().parent.parent.parent / "labs"


def load_labs(folder: Path) -> list[Lab]:
    """Every ``*.toml`` lab directly in ``folder``, in file-name order; two labs may not share an id."""
    if not folder.is_dir():
        raise LabError(f"{folder}: no such folder of labs")
    labs = [load_lab(p) for p in sorted(folder.glob("*.toml"))]
    seen: dict[str, Path | None] = {}
    for lab in labs:
        if lab.id in seen:
            raise LabError(f"{lab.path}: id {lab.id!r} is also the id of {seen[lab.id]}")
        seen[lab.id] = lab.path
    return labs


def find_lab(folder: Path, lab_id: str) -> Lab:
    for lab in load_labs(folder):
        if lab.id == lab_id:
            return lab
    raise LabError(f"no lab {lab_id!r} in {folder} (adc lab list shows them)")
