"""Durable storage of the saved configuration: a data directory holding a snapshot and a journal.

Why: a real appliance comes back after a crash or a power cut with exactly the configuration it last
acknowledged. ``ConfigStore.commit`` calls ``record`` before the change becomes visible, so once
``record`` returns the change survives ``kill -9`` (and, with ``sync=True``, a power cut), and no
crash can leave a half-applied configuration: loading gives the old state or the new one, never a mix.

Layout of the directory (created mode 0700 if missing):

``config.json``
    snapshot ``{"format": 2, "generation": N, "tree": ConfigTree.to_json(), "crc": C}`` (C: ``zlib.crc32``
    of the canonical JSON of the other three fields), only ever replaced atomically (written to
    ``config.json.tmp``, fsynced, renamed, directory fsynced). Format 1 (no ``crc``) is still read.
``journal.jsonl``
    one line per change committed after the snapshot:
    ``{"gen": N, "path": [...], "key": k|null, "entry": Entry.to_json()|null, "crc": C}`` where C is
    ``zlib.crc32`` of the canonical JSON (sorted keys, no spaces, UTF-8) of the other four fields.
    Each line goes out in one ``os.write`` on an ``O_APPEND`` descriptor.
``lock``
    ``flock``-ed for as long as a ``DataDir`` is open, so two processes never share a directory.
``config.json.tmp``
    a snapshot being written; one left over is debris from a crash and is removed.
``journal.jsonl.torn``
    the bytes last cut off the journal's end (see below), kept as evidence.

What a crash can leave, and how ``load`` copes:

* bytes after the journal's last newline: a record whose write was cut short (the newline is the
  last byte of every record, written in the same call), so never acknowledged. They are copied to
  ``journal.jsonl.torn`` and cut off the journal;
* journal lines with ``gen`` <= the snapshot's (crash between the snapshot rename and the journal
  truncation): skipped, records being idempotent by generation;
* a complete line that is not an intact record (bad CRC, bad JSON), anywhere, cannot come from a crash
  of ours: it was acknowledged and then damaged. ``load`` refuses with ``CorruptDataDir`` rather than
  drop an acknowledged commit (likewise a gap in the generations, or a snapshot whose checksum does not
  match). The message names the file and what to do; nothing in the directory is changed.

A full disk: a record that cannot be written and synced whole is taken back off the journal and the
commit is refused (``SaveFailed``, -26); nothing changes, in memory or on disk, and the next commit
tries again. Compaction needs room for a whole snapshot: when the disk lacks it (checked first, with a
margin, then by the write itself), compaction is skipped, the journal simply grows, and it is tried
again a while later; the commit whose record triggered it is not affected.

Compaction: a ``DataDir`` keeps its own copy of the tree, applying each change it records with
``ConfigStore.apply``'s semantics; when the journal reaches ``compact_every`` records, ``record``
snapshots that copy and truncates the journal (or, without room, tries again later). It needs nothing from the caller, so it can never be
handed a tree from the wrong generation (``ConfigStore.commit`` records *before* applying). The
price is one more in-memory copy of the configuration.

``sync`` governs the journal: True fdatasyncs after every record (survives power loss), False only
writes (survives process crashes; a power cut may lose the latest commits). Snapshots are always
fsynced, because an unsynced rename could lose the whole configuration rather than the last commits.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import threading
import zlib
from pathlib import Path
from typing import Any, Callable

from ..errors import AdcError, CommandFail
from .store import Change, ConfigStore
from .tree import ConfigTree, Entry, TableData

FORMAT = 2
FORMATS = (1, 2)  # readable; 1 had no checksum
SNAPSHOT = "config.json"
SNAPSHOT_TMP = "config.json.tmp"
JOURNAL = "journal.jsonl"
TORN = "journal.jsonl.torn"
LOCK = "lock"
COMPACT_MARGIN = 64 * 1024  # free space a snapshot must leave behind, so compaction never fills the disk
_FIELDS = frozenset({"gen", "path", "key", "entry"})


class PersistError(AdcError):
    """The data directory cannot be used as asked."""


class DataDirInUse(PersistError):
    """Another process (or another ``DataDir`` in this one) holds the directory's lock."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"data directory {path} is in use by another adc process")
        self.path = path


class CorruptDataDir(PersistError):
    """The snapshot or the journal is damaged in a way no crash of ours can produce.

    ``where`` names the file (and line); the message says what to do. Nothing was changed on disk.
    """

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where

    def lines(self) -> list[str]:
        folder = Path(self.where.split(":", 1)[0]).parent
        return [str(self),
                f"The configuration in {folder} cannot be read safely, so adc does not start on it; nothing in",
                "it was changed. Start with another --data-dir and restore a backup (execute restore config),",
                f"or move {folder} aside."]


class SaveFailed(CommandFail, PersistError):
    """A change could not be made durable (disk full, I/O error): refused, nothing changed."""

    def __init__(self, where: Path, err: OSError) -> None:
        super().__init__(-26, f"the configuration could not be saved ({err.strerror or err}: {where}); "
                              "nothing was changed")


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_snapshot(generation: int, tree: ConfigTree) -> bytes:
    """The snapshot file's bytes: the document with the CRC of its canonical form."""
    doc: dict[str, Any] = {"format": FORMAT, "generation": generation, "tree": tree.to_json()}
    doc["crc"] = zlib.crc32(_canonical(doc))
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def encode_record(generation: int, change: Change) -> bytes:
    """One journal line, newline included."""
    body: dict[str, Any] = {
        "gen": generation,
        "path": list(change.path),
        "key": change.key,
        "entry": None if change.entry is None else change.entry.to_json(),
    }
    body["crc"] = zlib.crc32(_canonical(body))
    return _canonical(body) + b"\n"


def decode_record(line: bytes) -> tuple[int, Change] | None:
    """The record on one line (without its newline), or None if the line is not an intact record."""
    try:
        body = json.loads(line)
        if not isinstance(body, dict) or set(body) != _FIELDS | {"crc"}:
            return None
        crc = body.pop("crc")
        if crc != zlib.crc32(_canonical(body)):
            return None
        gen, path, key, raw = body["gen"], body["path"], body["key"], body["entry"]
        if not isinstance(gen, int) or not isinstance(path, list) or not all(isinstance(p, str) for p in path):
            return None
        if not (key is None or isinstance(key, str)) or (key is None and raw is None):
            return None
        entry = None if raw is None else Entry.from_json(raw)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return gen, Change(tuple(path), key, entry)


def datasync(fd: int) -> None:
    """``os.fdatasync`` where the system has it (Linux), else ``os.fsync`` (macOS has no fdatasync):
    the journal's data reaches the disk either way, fsync also writes the file's times."""
    sync = getattr(os, "fdatasync", None)
    (sync if sync is not None else os.fsync)(fd)


class DataDir:
    """A locked data directory implementing ``store.Persistence``; see the module docstring.

    Typical use::

        data = DataDir(path)                      # creates + locks, or raises DataDirInUse
        tree, gen = data.load_or_init(factory)    # recovers; first start snapshots factory()
        store = ConfigStore(tree, data, gen)

    ``record``/``replace`` load the directory first if ``load`` was not called. ``record`` needs a
    snapshot to build on: on a first start call ``replace`` (or ``load_or_init``) before it.
    Thread-safe; ``close`` (or leaving a ``with`` block) releases the lock.
    """

    def __init__(self, path: str | os.PathLike[str], *, sync: bool = True, compact_every: int = 2000) -> None:
        if compact_every < 1:
            raise ValueError("compact_every must be at least 1")
        self.path = Path(path)
        self.sync = sync
        self.compact_every = compact_every
        self.generation = 0
        self._mutex = threading.RLock()
        self._tree: ConfigTree | None = None  # our copy; None until a snapshot exists
        self._loaded = False
        self._records = 0  # lines in the journal
        self._compact_at = compact_every  # records at which the next compaction is tried
        self._journal_size = 0  # bytes of intact records in the journal
        self._journal_fd: int | None = None
        if not self.path.is_dir():
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock_fd: int | None = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise DataDirInUse(self.path) from None

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        with self._mutex:
            if self._journal_fd is not None:
                os.close(self._journal_fd)
                self._journal_fd = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # releases the flock
                self._lock_fd = None

    def __enter__(self) -> DataDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------

    def load(self) -> tuple[ConfigTree, int] | None:
        """The saved tree and its generation, or None when the directory holds no configuration.

        Also repairs what a crash left: removes ``config.json.tmp``, cuts a torn journal end (kept in
        ``journal.jsonl.torn``) and drops journal lines the snapshot already covers. Raises
        ``CorruptDataDir`` on damage, changing nothing.
        """
        with self._mutex:
            self._check_open()
            snap = self._read_snapshot()
            data = self._read_journal()
            records, good_end = self._parse_journal(data)
            tree: ConfigTree | None = None
            gen = live = 0
            if snap is None:
                if records:
                    raise CorruptDataDir(str(self.path / JOURNAL), f"journal records without a {SNAPSHOT}")
            else:
                tree, gen = snap
                store = ConfigStore(tree)
                for lineno, (g, change) in records:
                    if g <= gen:
                        continue
                    where = f"{self.path / JOURNAL}:{lineno}"
                    if g != gen + 1:
                        raise CorruptDataDir(where, f"generation {g} does not follow {gen}")
                    try:
                        store.apply(change)
                    except AssertionError:
                        raise CorruptDataDir(where, f"change does not fit the tree at {' '.join(change.path)}") from None
                    gen, live = g, live + 1
            # Checked: now repair what a crash left.
            tmp = self.path / SNAPSHOT_TMP
            if tmp.exists():
                tmp.unlink()
            if good_end != len(data):
                self._keep_torn(data[good_end:])
            keep = good_end if live else 0  # a journal the snapshot fully covers is emptied
            self._open_journal()
            if keep != len(data):
                self._truncate_journal(keep)
            self._journal_size = keep
            self._tree, self.generation = tree, gen
            self._records = len(records) if live else 0
            self._compact_at = self.compact_every
            self._loaded = True
            return (tree.copy(), gen) if tree is not None else None

    def load_or_init(self, factory: Callable[[], ConfigTree]) -> tuple[ConfigTree, int]:
        """``load()``, or on a first start snapshot ``factory()`` as generation 0 and return it."""
        with self._mutex:
            loaded = self.load()
            if loaded is not None:
                return loaded
            tree = factory()
            self.replace(0, tree)
            return tree, 0

    def _read_snapshot(self) -> tuple[ConfigTree, int] | None:
        file = self.path / SNAPSHOT
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise CorruptDataDir(str(file), f"unreadable snapshot ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") not in FORMATS:
            raise CorruptDataDir(str(file), "not an adc snapshot")
        if doc["format"] >= 2:
            crc = doc.pop("crc", None)
            if crc != zlib.crc32(_canonical(doc)):
                raise CorruptDataDir(str(file), "damaged snapshot (checksum mismatch)")
        gen = doc.get("generation")
        if not isinstance(gen, int) or gen < 0:
            raise CorruptDataDir(str(file), f"bad generation {gen!r}")
        try:
            return ConfigTree.from_json(doc["tree"]), gen
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise CorruptDataDir(str(file), f"unreadable snapshot ({exc!r})") from None

    def _read_journal(self) -> bytes:
        try:
            return (self.path / JOURNAL).read_bytes()
        except FileNotFoundError:
            return b""

    def _parse_journal(self, data: bytes) -> tuple[list[tuple[int, tuple[int, Change]]], int]:
        """Numbered intact records and the byte offset just past the last one; raises on any complete
        line that is not an intact record, or generations that do not increase."""
        lines = data.split(b"\n")
        complete, tail = lines[:-1], lines[-1]  # tail: bytes after the last newline, a torn write if any
        if len(tail) > 1 and decode_record(tail[:-1]) is not None:  # a whole record, its newline changed
            raise CorruptDataDir(f"{self.path / JOURNAL}:{len(lines)}", "damaged record (its end of line was changed)")
        records: list[tuple[int, tuple[int, Change]]] = []
        offset = 0
        for i, line in enumerate(complete):
            where = f"{self.path / JOURNAL}:{i + 1}"
            rec = decode_record(line)
            if rec is None:
                raise CorruptDataDir(where, "damaged record (checksum mismatch or not a record)")
            if records and rec[0] <= records[-1][1][0]:
                raise CorruptDataDir(where, f"generation {rec[0]} out of order")
            records.append((i + 1, rec))
            offset += len(line) + 1
        return records, offset

    def _keep_torn(self, tail: bytes) -> None:
        """Keep the bytes about to be cut off the journal in ``journal.jsonl.torn`` (evidence)."""
        try:
            fd = os.open(self.path / TORN, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                self._write_all(fd, tail)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as err:
            raise CorruptDataDir(str(self.path / JOURNAL), f"its torn end cannot be kept aside in {TORN} "
                                 f"({err.strerror or err}); free some space and start again") from None

    # -- writing -----------------------------------------------------------------------------

    def record(self, generation: int, change: Change) -> None:
        """Append ``change`` as ``generation`` (which must follow the last one); compacts when due.

        Raises ``SaveFailed`` (nothing changed) when the record cannot be made durable.
        """
        with self._mutex:
            self._ensure_loaded()
            if self._tree is None:
                raise PersistError(f"{self.path}: no snapshot yet; replace() the first tree before record()")
            if generation != self.generation + 1:
                raise PersistError(f"{self.path}: generation {generation} does not follow {self.generation}")
            if change.key is None and change.entry is None:
                raise ValueError("a single object cannot be deleted")
            if change.key is not None and not isinstance(self._tree.nodes.get(change.path, TableData()), TableData):
                raise ValueError(f"{' '.join(change.path)} is a single object, not a table")
            self._append(encode_record(generation, change))
            ConfigStore(self._tree).apply(change)
            self.generation = generation
            self._records += 1
            if self._records >= self._compact_at:
                self._try_compact()

    def replace(self, generation: int, tree: ConfigTree) -> None:
        """Make ``tree`` the whole saved configuration as ``generation`` (snapshot + empty journal).

        Raises ``SaveFailed`` (nothing changed) when the snapshot cannot be written.
        """
        with self._mutex:
            self._ensure_loaded()
            if self._tree is not None and generation <= self.generation:
                raise PersistError(f"{self.path}: generation {generation} does not follow {self.generation}")
            try:
                self._write_snapshot(generation, tree)
            except OSError as err:
                raise SaveFailed(self.path / SNAPSHOT, err) from None
            self._tree, self.generation = tree.copy(), generation

    def compact(self) -> None:
        """Snapshot now and empty the journal (``record`` does this by itself every ``compact_every``)."""
        with self._mutex:
            self._ensure_loaded()
            if self._tree is not None:
                self._write_snapshot(self.generation, self._tree)

    def _try_compact(self) -> None:
        """Compact if the disk has room; else leave the journal growing and try again later."""
        assert self._tree is not None
        try:
            self._write_snapshot(self.generation, self._tree)
        except OSError:
            self._compact_at = self._records + max(1, self.compact_every // 10)

    def _write_snapshot(self, generation: int, tree: ConfigTree) -> None:
        """Write, sync and rename a new snapshot, then empty the journal. Raises ``OSError`` with
        nothing changed when the disk lacks room (the partial temporary file is removed)."""
        data = encode_snapshot(generation, tree)
        st = os.statvfs(self.path)
        if st.f_bavail * st.f_frsize < len(data) + COMPACT_MARGIN:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        tmp = self.path / SNAPSHOT_TMP
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                self._write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        os.replace(tmp, self.path / SNAPSHOT)
        dfd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        # Crashing here leaves journal lines with gen <= generation, which load skips.
        self._truncate_journal(0)
        self._journal_size = 0
        self._records = 0
        self._compact_at = self.compact_every

    @staticmethod
    def _write_all(fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    def _append(self, line: bytes) -> None:
        """Append one record, synced when ``sync``; on failure take it back and raise ``SaveFailed``."""
        fd = self._journal_fd
        assert fd is not None
        try:
            written = os.write(fd, line)
            if written != len(line):  # disk full part way
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if self.sync:
                datasync(fd)
        except OSError as err:
            try:
                os.ftruncate(fd, self._journal_size)  # shrinking needs no room
            except OSError:
                pass
            raise SaveFailed(self.path / JOURNAL, err) from None
        self._journal_size += len(line)

    def _truncate_journal(self, keep: int) -> None:
        assert self._journal_fd is not None
        os.ftruncate(self._journal_fd, keep)
        if self.sync:
            os.fsync(self._journal_fd)

    def _open_journal(self) -> None:
        if self._journal_fd is None:
            self._journal_fd = os.open(self.path / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _ensure_loaded(self) -> None:
        self._check_open()
        if not self._loaded:
            self.load()

    def _check_open(self) -> None:
        if self._lock_fd is None:
            raise PersistError(f"{self.path}: data directory is closed")
