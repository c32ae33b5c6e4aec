"""Resetting a data directory to a lab, grading it, and proving a lab (validate).

Grading works whether or not a console runs on the directory. Two appliances never share a data
directory (its lock), so:

* no console: the checker opens the appliance on the directory itself, serving, starts the lab's
  backends, grades, then stops both;
* a console holds it (``DataDirInUse``): the checker reads the committed configuration from disk
  without the lock (snapshot plus journal, read only; a compaction in between is noticed and read
  again) and sends its traffic to the listeners and backends of the running console.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator
from contextlib import contextmanager

from ..config.persist import JOURNAL, LOCK, SNAPSHOT, DataDir, DataDirInUse, decode_record
from ..config.store import ConfigStore
from ..config.tree import ConfigTree
from ..engine.script import run_lines
from ..schema import SCHEMA
from .backends import Backends
from .checks import Result, Target, run_checks
from .model import Lab, LabError
from .state import STATE_DIR, choose_net, clear_history, net_for, read_history, record_command, write_state

if TYPE_CHECKING:
    from ..appliance import Appliance


@dataclass(frozen=True)
class Grade:
    lab: str
    results: list[Result]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def score(self) -> float:
        return round(sum(r.passed for r in self.results) / len(self.results), 3) if self.results else 0.0

    def to_json(self) -> dict[str, object]:
        return {"lab": self.lab, "passed": self.passed, "score": self.score,
                "checks": [r.to_json() for r in self.results]}

    def summary(self) -> str:
        n = sum(r.passed for r in self.results)
        return f"lab {self.lab}: {'PASS' if self.passed else 'FAIL'} {n}/{len(self.results)} checks passed"


def apply_script(app: Appliance, script: str, record_to: Path | None = None) -> list[str]:
    """Run a script on the appliance as typed lines; the failing lines, reported as ``line N: ...``."""
    session = app.session()
    failed = []
    for res in run_lines(session, script.splitlines()):
        if record_to is not None:
            record_command(record_to, res.line, not res.reply.failed)
        if res.reply.failed:
            failed.append(f"line {res.lineno}: {res.line.strip()}: {res.reply.error.strip()}")
    while session.depth:  # a script that forgot its last ``end`` still commits, as the console would on exit
        session.execute("end")
    return failed


def _open(data_dir: Path, serve: bool) -> Appliance:
    from ..appliance import Appliance

    return Appliance(data_dir, serve=serve)


def reset(lab: Lab, data_dir: Path) -> Lab:
    """Empty ``data_dir`` and give it the lab's initial configuration; the lab with its addresses."""
    if data_dir.exists() and not data_dir.is_dir():
        raise LabError(f"{data_dir} is not a directory")
    if data_dir.is_dir() and any(data_dir.iterdir()) and not any(
            (data_dir / name).exists() for name in (SNAPSHOT, LOCK, STATE_DIR)):
        raise LabError(f"{data_dir} holds files but no adc data: give a new or empty directory "
                       "(a reset removes everything in it)")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        DataDir(data_dir).close()  # refuses a directory a console holds, before anything goes
    except DataDirInUse:
        raise LabError(f"{data_dir} is in use by a running console: use `lab reset` in that console") from None
    net = choose_net(data_dir)
    for item in data_dir.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()
    placed = lab.with_net(net)
    app = _open(data_dir, serve=False)
    try:
        failed = apply_script(app, placed.initial)
    finally:
        app.close()
    if failed:
        raise LabError(f"lab {lab.id}: its initial configuration fails:\n" + "\n".join(failed))
    write_state(data_dir, lab.id, net)
    return placed


def reset_live(app: Appliance, lab: Lab) -> list[str]:
    """``lab reset`` in a running console: the factory configuration, then the initial script."""
    assert app.data_dir is not None
    placed = lab.with_net(net_for(app.data_dir, lab.id))
    app.store.replace(app.factory_tree())
    clear_history(app.data_dir)
    return apply_script(app, placed.initial)


def read_saved(data_dir: Path) -> ConfigTree:
    """The committed configuration of a data directory, read without its lock (a console holds it)."""
    for _ in range(20):
        snap = data_dir / SNAPSHOT
        try:
            before = snap.stat().st_mtime_ns
            doc = json.loads(snap.read_bytes())
            journal = (data_dir / JOURNAL).read_bytes() if (data_dir / JOURNAL).exists() else b""
            if snap.stat().st_mtime_ns != before:
                continue  # compacted while we read: read again
        except (OSError, ValueError):
            time.sleep(0.05)
            continue
        tree = ConfigTree.from_json(doc["tree"])
        gen = doc["generation"]
        store = ConfigStore(tree)
        for line in journal.split(b"\n")[:-1]:  # bytes after the last newline: a record being written
            rec = decode_record(line)
            if rec is None or rec[0] <= gen:
                continue
            store.apply(rec[1])
            gen = rec[0]
        return store.tree
    raise LabError(f"{data_dir}: the configuration could not be read")


@contextmanager
def running(lab: Lab, data_dir: Path) -> Iterator[tuple[Lab, Appliance | None, float]]:
    """The lab placed at its addresses, with an appliance and backends serving it: ours (started
    here and stopped after) or, when a console holds the directory, the console's (None)."""
    placed = lab.with_net(net_for(data_dir, lab.id))
    try:
        app = _open(data_dir, serve=True)
    except DataDirInUse:
        yield placed, None, 0.0
        return
    try:
        with Backends(placed.backends):
            yield placed, app, time.monotonic()
    finally:
        app.close()


def grade_running(placed: Lab, data_dir: Path, app: Appliance | None, since: float) -> Grade:
    tree = app.store.tree if app is not None else read_saved(data_dir)
    target = Target(SCHEMA, tree, read_history(data_dir), since)
    return Grade(placed.id, run_checks(placed.checks, target))


def check(lab: Lab, data_dir: Path) -> Grade:
    with running(lab, data_dir) as (placed, app, since):
        return grade_running(placed, data_dir, app, since)


@dataclass(frozen=True)
class Validation:
    """A lab proved: its initial state fails at least one check and its solution passes every one."""

    lab: str
    initial: Grade
    solved: Grade
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_grade(self) -> Grade:
        """The validation as two graded items, for a JUnit report."""
        early = [p for p in self.problems if not p.startswith(("its initial state", "its solution"))]
        first = [p for p in self.problems if p.startswith("its initial state")] + early
        second = [p for p in self.problems if p.startswith("its solution")]
        return Grade(self.lab, [Result("its initial state fails at least one check", "validate", not first, "; ".join(first)),
                                Result("its solution passes every check", "validate", not second, "; ".join(second))])


def validate(lab: Lab, data_dir: Path, progress: Callable[[str], None] | None = None) -> Validation:
    """Reset to the lab, grade the initial state, apply the solution on the same appliance, grade again."""
    reset(lab, data_dir)
    problems: list[str] = []
    with running(lab, data_dir) as (placed, app, since):
        if app is None:
            raise LabError(f"{data_dir} is in use by a running console")
        first = grade_running(placed, data_dir, app, since)
        if first.passed:
            problems.append("its initial state already passes every check")
        failed = apply_script(app, placed.solution, record_to=data_dir)
        problems += [f"its solution fails at {f}" for f in failed]
        solved = grade_running(placed, data_dir, app, since)
        problems += [f"its solution fails check '{r.name}': {r.feedback}" for r in solved.results if not r.passed]
    return Validation(lab.id, first, solved, problems)
