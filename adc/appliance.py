"""One appliance: its schema, its shared config store, its data directory and its start time.

Console sessions (``Session``) attach to it; so will the data plane. With no data directory the
appliance lives in memory only (tests); with one, every commit is journaled there and a restart
restores it.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Sequence, TypeVar

from .config.factory import add_missing_factory, factory_tree
from .config.persist import DataDir
from .config.store import ConfigStore
from .config.tree import ConfigTree
from .engine.ops import NO_DATAPLANE, EchoReply, PersistenceRow, PingOptions, PingRun, SessionRow, TraceRun
from .engine.session import Session
from .logins import Logins, admin_status
from .schema import SCHEMA
from .schema.registry import Schema

if TYPE_CHECKING:
    from .dataplane.runtime import Dataplane

T = TypeVar("T")


def default_data_dir() -> Path:
    """``$ADC_DATA_DIR``, else ``$XDG_DATA_HOME/adc``, else ``~/.local/share/adc``."""
    env = os.environ.get("ADC_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "adc"


class Appliance:
    def __init__(self, data_dir: Path | None = None, schema: Schema = SCHEMA, sync: bool = True, serve: bool = False) -> None:
        self.schema = schema
        self.data_dir = data_dir
        self.started_at = time.time()
        self._datadir: DataDir | None = None
        self._scratch: Path | None = None  # where an in-memory appliance keeps its certificate files
        self.dataplane: Dataplane | None = None
        self.startup_notes: list[str] = []  # what the data plane said when it first served the config
        self._subscribed = False  # the commit hooks of the data plane, added once (a reboot keeps them)
        self._clock_offset = 0.0  # ``execute date``/``time``: the appliance's clock minus the host's
        self.lock = threading.RLock()  # one command at a time across consoles (local, SSH): they share the store
        self.logins = Logins()  # administrators logged in over SSH
        if data_dir is None:
            self.store = ConfigStore(self.factory_tree())
            if serve:
                self.start_serving()
            return
        self._datadir = DataDir(data_dir, sync=sync)
        try:
            tree, generation = self._datadir.load_or_init(self.factory_tree)
            add_missing_factory(tree, schema)  # a directory saved before the schema grew
            self.store = ConfigStore(tree, self._datadir, generation)
            self.factory_cert = self.ensure_factory_cert()
        except BaseException:
            self.close()  # a directory it cannot start on is released at once
            raise
        if serve:
            self.start_serving()

    # --------------------------------------------------------------------- the data plane
    def start_serving(self) -> None:
        """Start the data plane and serve the current config; every later commit reconciles it."""
        from .dataplane.runtime import Dataplane
        from .dataplane.spec import SpecCompiler

        from .dataplane.stats import Stats
        from .logs import LogFiles

        self.ensure_factory_cert()
        self._compiler = SpecCompiler(self.schema, self.cert_dir)
        self.logs = LogFiles(self.base_dir)
        self.stats = Stats(self.logs)
        self.dataplane = Dataplane(observer=self.stats)
        self.dataplane.start()
        if not self._subscribed:
            self.store.subscribe(self._log_commit)
            self.store.subscribe(self._reconcile)
            self._subscribed = True
        self.startup_notes = self._reconcile(self.store.generation, self.store, everything=True)

    def _log_commit(self, generation: int, store: ConfigStore) -> None:
        """Every commit goes to the event log."""
        if self.dataplane is None:
            return
        change = store.last_change
        if change is None:
            what = "the whole configuration was replaced"
        else:
            where = " ".join(change.path) + (f" {change.key}" if change.key is not None else "")
            what = f"{where}: {'deleted' if change.entry is None else 'saved'}"
        self.logs.event("config", f"commit {generation}: {what}")

    def _reconcile(self, generation: int, store: ConfigStore, everything: bool = False) -> list[str]:
        """Recompile what the commit touched and bring the listeners in line; lines for the operator."""
        if self.dataplane is None:
            return []  # shut down: nothing serves
        change = store.last_change
        if everything or change is None:
            self._compiler.invalidate()
        else:
            self._compiler.invalidate(change.path, change.key)
        spec = self._compiler.compile(store.tree, generation)
        return self.dataplane.apply(spec)

    @property
    def base_dir(self) -> Path:
        """The data directory, or (in memory) a private temporary one for certificate files."""
        if self.data_dir is not None:
            return self.data_dir
        if self._scratch is None:
            import tempfile

            self._scratch = Path(tempfile.mkdtemp(prefix="adc-"))
        return self._scratch

    @property
    def cert_dir(self) -> Path:
        """Where local certificates live: ``<name>.crt`` and ``<name>.key`` (``certs/`` of the data dir)."""
        from .certs import certs_dir

        return certs_dir(self.base_dir)

    def ensure_factory_cert(self):
        """The ``Factory`` certificate, made on first need (at first start for a real data dir)."""
        from .certs import ensure_factory_cert

        return ensure_factory_cert(self.base_dir)

    def factory_tree(self) -> ConfigTree:
        return factory_tree(self.schema)

    def session(self) -> Session:
        return Session(self)

    def close(self) -> None:
        if self.dataplane is not None:
            self.dataplane.stop()
            self.dataplane = None
            self.logs.close()
        if self._datadir is not None:
            self._datadir.close()
            self._datadir = None
        if self._scratch is not None:
            import shutil

            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    # --------------------------------------------------------------------- ApplianceOps: reports
    def system_status(self) -> str:
        from .status import format_system_status, sample_status

        host = self.session().hostname()
        where = self.data_dir if self.data_dir is not None else Path.cwd()
        import dataclasses
        from datetime import datetime

        facts = sample_status(host, self.started_at, where)
        if self._clock_offset:  # ``execute date`` set the appliance's clock
            facts = dataclasses.replace(facts, now=datetime.fromtimestamp(self.clock()).astimezone())
        return format_system_status(facts)

    def admin_status(self) -> list[str]:
        return admin_status(self.logins.rows())

    def event(self, category: str, text: str) -> None:
        """A line in the event log (when the appliance serves, and so keeps logs)."""
        if self.dataplane is not None:
            self.logs.event(category, text)

    def system_performance(self) -> str:
        from .status import format_system_performance, sample_performance

        return format_system_performance(sample_performance(self.started_at))

    def live_report(self, name: str) -> list[str]:
        plane = self.dataplane
        if plane is None:
            return [NO_DATAPLANE]
        from .dataplane import report

        runtimes = dict(plane.runtimes)
        if name == "slb_load":
            return report.slb_load(runtimes, plane.counters)
        if name == "virtual-server-status":
            return report.virtual_server_status(runtimes, plane.counters, self.stats, dict(plane.unserved))
        if name == "real-server-status":
            return report.real_server_status(runtimes, plane.counters, self.stats)
        raise KeyError(name)

    def sessions(self) -> Sequence[SessionRow] | None:
        return self.stats.sessions() if self.dataplane is not None else None

    def log_tail(self, kind: str, count: int) -> list[str] | None:
        if self.dataplane is None:
            return None
        self.logs.flush(1.0)  # bounded: show what the data plane has handed in so far
        return self.logs.tail(kind, count)

    def log_files(self, kind: str) -> list[str] | None:
        if self.dataplane is None:
            return None
        self.logs.flush(1.0)
        out = []
        base = self.logs.path(kind)
        for path in [base] + [base.with_name(f"{base.name}.{i}") for i in range(1, self.logs.backups + 1)]:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            out.append(f"{path.name} {st.st_size} {time.ctime(st.st_mtime)}")
        return out

    # --------------------------------------------------------------------- ApplianceOps: probes
    def verify_health(self, check: str, address: str, port: int, timeout: int | None, count: int,
                      interval: int | None) -> list[bool] | None:
        from .dataplane.health import verify_probes
        from .dataplane.spec import health_check_spec

        spec = health_check_spec(self.store.tree, self.schema, check)
        if spec is None:
            return None
        return self._in_event_loop(verify_probes, spec, address, port, timeout, count, interval)

    def _in_event_loop(self, fn: Callable[..., Awaitable[T]], *args: object) -> T:
        """Run a coroutine function in the data plane's thread, or (not serving) in a short-lived thread
        of its own: never an event loop on the caller's (the console's) thread."""
        if self.dataplane is not None:
            return self.dataplane.call(fn, *args)  # type: ignore[return-value]
        import trio

        box: list[T] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                box.append(trio.run(fn, *args))
            except BaseException as exc:  # handed to the caller below
                failure.append(exc)

        worker = threading.Thread(target=run, name="adc-oneshot", daemon=True)
        worker.start()
        worker.join()
        if failure:
            raise failure[0]
        return box[0]

    # --------------------------------------------------------------------- ApplianceOps: files
    _files_dir: Path | None = None  # chosen with ``files_dir``; None: ``files/`` of ``base_dir``

    @property
    def files_dir(self) -> Path:
        """The one folder ``execute`` reads and writes the operator's files in, where the real box talks
        to a TFTP server: ``adc --files-dir``, else ``files/`` of the data directory (in memory: of the
        private scratch directory). Made on first use."""
        return self._files_dir if self._files_dir is not None else self.base_dir / "files"

    @files_dir.setter
    def files_dir(self, folder: Path) -> None:
        self._files_dir = folder

    def _open_folder(self, name: str) -> tuple[int, str]:
        """The directory holding file ``name`` of the files folder, open (its fd), and the file's name in it.

        ``name`` is resolved inside the folder: an absolute name, a ``..`` or a symbolic link leading
        out raises ``PermissionError`` before anything is opened. The directories on the way are then
        opened one by one without following links, so a link swapped in meanwhile fails as well.
        """
        import errno

        if not name or "\0" in name:
            raise OSError(errno.EINVAL, "not a file name")
        if os.path.isabs(name) or ".." in name.split("/"):
            raise PermissionError(errno.EACCES, "outside the files folder")
        self.files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        root = os.path.realpath(self.files_dir)
        real = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([root, real]) != root:
            raise PermissionError(errno.EACCES, "outside the files folder")
        if real == root or name.endswith("/"):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        *dirs, last = os.path.relpath(real, root).split(os.sep)
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for part in dirs:
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = inner
        except BaseException:
            os.close(fd)
            raise
        return fd, last

    def read_file(self, name: str, limit: int) -> bytes:
        import errno
        import stat

        folder, last = self._open_folder(name)
        try:
            fd = os.open(last, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
        finally:
            os.close(folder)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            if not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            data = f.read(limit + 1) if st.st_size <= limit else b""
        if st.st_size > limit or len(data) > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes")
        return data

    def write_file(self, name: str, data: bytes) -> None:
        import secrets

        folder, last = self._open_folder(name)
        try:
            tmp = f".{last}.{secrets.token_hex(6)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=folder)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, last, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                try:
                    os.unlink(tmp, dir_fd=folder)
                except OSError:
                    pass
                raise
            os.fsync(folder)
        finally:
            os.close(folder)

    # --------------------------------------------------------------------- ApplianceOps: certificates
    def store_certificate(self, name: str, cert_pem: bytes, key_pem: bytes, password: bytes | None) -> tuple[str, str]:
        from .certs import store_pair

        pair = store_pair(self.base_dir, name, cert_pem, key_pem, password)
        return pair.cert_path.name, pair.key_path.name

    def certificate_pem(self, name: str) -> bytes:
        from .certs import FACTORY_NAME

        if name == FACTORY_NAME:
            return self.ensure_factory_cert().cert_path.read_bytes()
        return (self.cert_dir / f"{name}.crt").read_bytes()

    def regenerate_factory_certificate(self) -> list[str]:
        from .certs import regenerate_factory_cert

        regenerate_factory_cert(self.base_dir)
        return self.dataplane.refresh_tls() if self.dataplane is not None else []

    # --------------------------------------------------------------------- ApplianceOps: the network
    def ping(self, host: str, version: int, options: PingOptions) -> PingRun:
        from . import netprobe

        address = netprobe.resolve(host, version)
        sock = netprobe.open_icmp(version)
        try:
            netprobe.configure(sock, options.ttl, netprobe.TOS.get(options.tos, 0), options.df_bit, options.source)
            data = netprobe.payload(options.data_size, options.pattern)
            ident = netprobe.new_ident()
            replies = []
            for seq in range(options.repeat_count):
                started = time.monotonic()
                got = netprobe.exchange(sock, address, ident, seq, data, float(options.timeout))
                if got is not None and got[0].kind == "reply":
                    echo, ms = got
                    valid = not options.validate_reply or echo.data == data
                    replies.append(EchoReply(seq, echo.size, echo.ttl, ms, valid))
                if seq + 1 < options.repeat_count:
                    time.sleep(max(0.0, options.interval - (time.monotonic() - started)))
        finally:
            sock.close()
        return PingRun(address, options.repeat_count, tuple(replies))

    def traceroute(self, host: str) -> TraceRun:
        """ICMP echo with growing TTL, three probes a hop, up to 30 hops, until the host answers."""
        from . import netprobe

        version = 6 if ":" in host else 4
        address = netprobe.resolve(host, version)
        sock = netprobe.open_icmp(version)
        hops: list[tuple[tuple[str, float] | None, ...]] = []
        try:
            ident = netprobe.new_ident()
            seq = 0
            for ttl in range(1, 31):
                netprobe.configure(sock, ttl, 0, False, "auto")
                probes: list[tuple[str, float] | None] = []
                reached = False
                for _ in range(3):
                    seq += 1
                    got = netprobe.exchange(sock, address, ident, seq, bytes(10), 1.0)
                    probes.append((got[0].peer, got[1]) if got is not None else None)
                    reached = reached or (got is not None and got[0].kind != "exceeded")
                hops.append(tuple(probes))
                if reached:
                    break
        finally:
            sock.close()
        return TraceRun(address, tuple(hops))

    def lookup(self, name: str) -> tuple[str, list[str]]:
        import ipaddress

        from . import netprobe

        try:
            ipaddress.ip_address(name)
        except ValueError:
            return name, netprobe.addresses(name)
        return netprobe.reverse(name), [name]

    # --------------------------------------------------------------------- ApplianceOps: clock and power
    def clock(self) -> float:
        return time.time() + self._clock_offset

    def set_clock(self, when: float) -> None:
        """The host's clock is never set: the appliance keeps an offset (for this run of adc)."""
        self._clock_offset = when - time.time()

    def reboot(self) -> list[str]:
        """Close every listener and connection, then serve the saved configuration again (every commit
        is already saved: the configuration is the store's). An appliance that did not serve stays so."""
        self.started_at = time.time()
        if self.dataplane is None:
            return []
        self.logs.event("system", "System is rebooting")
        self.dataplane.stop()
        self.dataplane = None
        self.logs.close()
        self.start_serving()
        return self.startup_notes

    def shutdown(self) -> None:
        if self.dataplane is not None:
            self.logs.event("system", "System is shutting down")
            self.dataplane.stop()
            self.dataplane = None
            self.logs.close()

    # --------------------------------------------------------------------- ApplianceOps: live tables
    def persistence(self) -> Sequence[PersistenceRow] | None:
        plane = self.dataplane
        if plane is None:
            return None
        found = plane.call(plane.persistence_entries)
        assert isinstance(found, list)
        return [PersistenceRow(vs, kind, key, m.real_server, (m.host, m.port), left) for vs, kind, key, m, left in found]

    def clear_persistence(self, vs_names: Sequence[str]) -> int:
        plane = self.dataplane
        if plane is None:
            return 0
        return int(plane.call(plane.clear_persistence, list(vs_names)))  # type: ignore[call-overload]

    def close_sessions(self, session_ids: Sequence[int]) -> int:
        plane = self.dataplane
        if plane is None:
            return 0
        return int(plane.call(plane.close_sessions, list(session_ids)))  # type: ignore[call-overload]
