"""One appliance: its schema, its shared config store, its data directory and its start time.

Console sessions (``Session``) attach to it; so will the data plane. With no data directory the
appliance lives in memory only (tests); with one, every commit is journaled there and a restart
restores it.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from .config.factory import factory_tree
from .config.store import ConfigStore
from .config.tree import ConfigTree
from .engine.session import Session
from .schema import SCHEMA
from .schema.registry import Schema


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
        self._datadir = None
        self._scratch: Path | None = None  # where an in-memory appliance keeps its certificate files
        self.dataplane = None
        self.startup_notes: list[str] = []  # what the data plane said when it first served the config
        if data_dir is None:
            self.store = ConfigStore(self.factory_tree())
            if serve:
                self.start_serving()
            return
        from .config.persist import DataDir

        self._datadir = DataDir(data_dir, sync=sync)
        tree, generation = self._datadir.load_or_init(self.factory_tree)
        self.store = ConfigStore(tree, self._datadir, generation)
        self.factory_cert = self.ensure_factory_cert()
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
        self.store.subscribe(self._log_commit)
        self.store.subscribe(self._reconcile)
        self.startup_notes = self._reconcile(self.store.generation, self.store, everything=True)

    def _log_commit(self, generation: int, store: ConfigStore) -> None:
        """Every commit goes to the event log."""
        change = store.last_change
        if change is None:
            what = "the whole configuration was replaced"
        else:
            where = " ".join(change.path) + (f" {change.key}" if change.key is not None else "")
            what = f"{where}: {'deleted' if change.entry is None else 'saved'}"
        self.logs.event("config", f"commit {generation}: {what}")

    def _reconcile(self, generation: int, store: ConfigStore, everything: bool = False) -> list[str]:
        """Recompile what the commit touched and bring the listeners in line; lines for the operator."""
        change = store.last_change
        if everything or change is None:
            self._compiler.invalidate()
        else:
            self._compiler.invalidate(change.path, change.key)
        spec = self._compiler.compile(store.tree, generation)
        assert self.dataplane is not None
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

    # --------------------------------------------------------------------- reports and files
    def status_text(self) -> str:
        from .status import format_system_status, sample_status

        host = self.session().hostname()
        where = self.data_dir if self.data_dir is not None else Path.cwd()
        return format_system_status(sample_status(host, self.started_at, where))

    def performance_text(self) -> str:
        from .status import format_system_performance, sample_performance

        return format_system_performance(sample_performance(self.started_at))

    def backup(self, path: str) -> None:
        """Write the configuration as a replayable script (the output of ``show``), atomically."""
        text = "\n".join(self.session().show_all()) + "\n"
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)

    def restore_lines(self, path: str) -> list[str]:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read().splitlines()
