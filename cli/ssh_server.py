"""The SSH server: where it listens comes from the configuration, as on the box.

It listens on every interface whose ``allowaccess`` holds ``ssh``, at that interface's address, on
``config system global`` ``port-ssh`` (CLI744 p. 37). Every commit that changes that set re-binds at
once; an address that cannot be bound (not on this host, a port in use) is reported to the operator who
committed (and at start) and the appliance goes on. The host key is made at first start and kept in the
data directory (``ssh_host_ed25519_key``).

asyncssh (the SSH library prompt_toolkit's own SSH server builds on) runs in an asyncio loop of its own
thread beside the data plane's trio thread. A client that does not finish logging in within
``login_timeout`` seconds is dropped; logins go through ``LoginPolicy``.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncssh

from adc.config.tree import Entry, TableData

from .ssh_auth import LoginPolicy, Verdict
from .ssh_console import ConsoleChannel, Engine

if TYPE_CHECKING:
    from adc.appliance import Appliance
    from adc.config.store import ConfigStore

HOST_KEY = "ssh_host_ed25519_key"
LOGIN_TIMEOUT = 30.0
Bind = tuple[str, int]


def wanted_binds(app: "Appliance") -> set[Bind]:
    """(address, port) for every interface that allows ssh, on ``port-ssh``."""
    tree = app.store.tree
    glob = tree.nodes.get(("system", "global"))
    port_text = glob.values.get("port-ssh", "22") if isinstance(glob, Entry) else "22"
    port = int(port_text) if isinstance(port_text, str) and port_text.isdigit() else 22
    out: set[Bind] = set()
    node = tree.nodes.get(("system", "interface"))
    if not isinstance(node, TableData):
        return out
    for entry in node:
        allow = entry.values.get("allowaccess", ())
        if "ssh" not in (allow if isinstance(allow, tuple) else str(allow).split()):
            continue
        for attr in ("ip", "ip6"):
            raw = entry.values.get(attr, "")
            if not isinstance(raw, str) or not raw:
                continue
            try:
                address = ipaddress.ip_interface(raw.split()[0]).ip
            except ValueError:
                continue
            if not address.is_unspecified:
                out.add((str(address), port))
    return out


def load_host_key(data_dir: Path) -> asyncssh.SSHKey:
    """The host key, made at first start (mode 0600) and kept in the data directory."""
    path = data_dir / HOST_KEY
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.export_private_key())
    os.replace(tmp, path)
    return key


class _Server(asyncssh.SSHServer):
    """One client connection: its login, then its console channels."""

    def __init__(self, service: "SshService") -> None:
        self.service = service
        self.conn: Any = None
        self.address = "?"
        self.user = ""

    def connection_made(self, conn: Any) -> None:
        self.conn = conn
        self.service.connections.add(conn)
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "?"

    def connection_lost(self, exc: Exception | None) -> None:
        self.service.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        loop = asyncio.get_running_loop()
        verdict = await loop.run_in_executor(self.service.auth_pool, self.service.policy.check, username,
                                             password, self.address)
        if verdict is Verdict.LOCKED:
            self.conn.close()
            return False
        if verdict is Verdict.OK:
            self.user = username
            return True
        return False

    def session_requested(self) -> ConsoleChannel:
        return self.service.channel(self.user, self.address)


class SshService:
    """The appliance's SSH console: start, re-bind on commits, close."""

    def __init__(self, app: "Appliance", data_dir: Path, login_timeout: float = LOGIN_TIMEOUT,
                 policy: LoginPolicy | None = None, idle_scale: float = 60.0) -> None:
        self.app = app
        self.data_dir = data_dir
        self.login_timeout = login_timeout
        self.policy = policy if policy is not None else LoginPolicy(app)
        self.idle_scale = idle_scale
        self.engine_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="adc-ssh-engine")
        self.auth_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="adc-ssh-auth")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, name="adc-ssh", daemon=True)
        self.listeners: dict[Bind, Any] = {}
        self.connections: set[Any] = set()  # open client connections, closed with the service
        self.wanted: set[Bind] = set()
        self._key: asyncssh.SSHKey | None = None

    # ------------------------------------------------------------------ life
    def start(self) -> list[str]:
        """Start the loop, bind what the configuration asks for; lines for the operator (bind errors)."""
        self._key = load_host_key(self.data_dir)
        # netmiko's fortinet driver allows only finite-field Diffie-Hellman key exchanges, which the
        # cryptography package marks deprecated: a warning per login would land on the operator's screen.
        warnings.filterwarnings("ignore", message="Diffie-Hellman over finite fields")
        self.thread.start()
        self.app.store.subscribe(self._on_commit)
        return self.rebind()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def close(self) -> None:
        """Stop listening, end every session, stop the loop and release it."""
        if self.thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self._close_all(), self.loop).result(10)
            except Exception:
                pass
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()
        self.engine_pool.shutdown(wait=False, cancel_futures=True)
        self.auth_pool.shutdown(wait=False, cancel_futures=True)

    async def _close_all(self) -> None:
        servers = list(self.listeners.values())
        self.listeners.clear()
        for server in servers:
            server.close()
        for conn in list(self.connections):
            conn.close()
        for server in servers:
            await server.wait_closed()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ binds
    def _on_commit(self, generation: int, store: "ConfigStore") -> list[str]:
        return self.rebind()

    def rebind(self) -> list[str]:
        """Bring the listeners in line with the configuration; a bind that failed is tried again (and
        reported again) only when the set of wanted binds changes."""
        wanted = wanted_binds(self.app)
        if wanted == self.wanted or not self.thread.is_alive():
            return []
        new = wanted - self.wanted
        self.wanted = wanted
        future = asyncio.run_coroutine_threadsafe(self._rebind(wanted, new), self.loop)
        return future.result(30)

    async def _rebind(self, wanted: set[Bind], new: set[Bind]) -> list[str]:
        notes: list[str] = []
        for bind in list(self.listeners):
            if bind not in wanted:
                self.listeners.pop(bind).close()
        for address, port in sorted(new - set(self.listeners)):
            try:
                self.listeners[(address, port)] = await asyncssh.create_server(
                    lambda: _Server(self), address, port,
                    server_host_keys=[self._key],
                    login_timeout=self.login_timeout,
                    line_editor=False,
                    encoding="utf-8",
                    errors="replace",
                    reuse_address=True,
                )
            except (OSError, asyncssh.Error) as exc:
                errno = getattr(exc, "errno", None)
                reason = os.strerror(errno) if errno else str(exc)
                notes.append(f"SSH cannot listen on {address} port {port} here: {reason}")
        return notes

    @property
    def bound(self) -> list[Bind]:
        """What the server listens on, with the real port."""
        out = []
        for server in list(self.listeners.values()):
            for sock in server.sockets:
                name = sock.getsockname()
                out.append((str(name[0]), int(name[1])))
        return sorted(out)

    # ------------------------------------------------------------------ sessions
    def channel(self, user: str, address: str) -> ConsoleChannel:
        session = self.app.session()
        session.ctx.access = self.policy.access(user)
        row = self.app.logins.add(user, "ssh", address)

        def end(how: str) -> None:
            self.app.logins.remove(row)
            self.app.event("admin", f"User {user} {how} from ssh")

        return ConsoleChannel(Engine(self.app, session, self.engine_pool), end, self.idle_scale)
