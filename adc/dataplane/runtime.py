"""The running data plane: a trio thread that owns every listener and connection.

``Dataplane.apply(spec)`` is called from the console thread after each commit and returns once the
listeners match the spec (or with the reasons they could not), so a virtual server is bound before
the prompt comes back. Reconciling keeps what did not change:

- an address that stays wanted keeps its listening socket; new connections on it use the new spec;
- a virtual server whose compiled spec is the same object keeps its ``VsRuntime`` (and so its round
  robin position); a changed one gets a new ``VsRuntime`` for new connections and requests;
- live connections hold the ``VsRuntime`` they started with until they end, so in-flight requests and
  open WebSockets finish on the config they began under, and a removed or disabled virtual server
  drains: its listeners close (one cancel scope each), its connections run on;
- TLS contexts (the client side of an HTTPS virtual server, and the upstream side of its pool and
  members) are built with the ``VsRuntime``, so nothing is loaded per connection. A certificate that
  cannot be served leaves its virtual server unserved (no listener) with a note, as the compiler's
  skipped ones are: reported once, tried again at every reconcile. Certificate verbs replace files
  without a commit; ``refresh_tls`` reloads them (unchanged files keep their context object).

What cannot be served here (an address not on this host, a port taken or privileged, a certificate
that cannot be loaded, what the compiler skips) is kept in ``unserved`` (virtual server -> why) for the
status views, returned as notes once, and told to the observer (``vs_status``) on every change; the
configuration stands, and every reconcile tries again. Failed connects to members are told to the
observer too (``connect_failed``).

Members are reached through ``connect.Connector`` (which members, how long, which TLS) for both the
Layer-4 tunnel here and the HTTP proxy.

Connections do not live inside any listener's cancel scope; they sit in one nursery of their own and
every handler is guarded, so one bad client never takes a listener or the appliance down.

How many connections are taken (``limits``): at start the descriptor limit is raised to the hard
limit and a global connection limit is derived from it (HAProxy's ``maxconn`` from ``ulimit-n``),
with a reserve for listeners, health checks, idle member connections, logs and consoles; it is
recomputed at every reconcile. Each listener checks ``Admission`` before it accepts: over the
global limit or over its virtual server's fair share it does not accept, and new connections wait
in the kernel's listen backlog until a slot frees (the event log says so once a minute per virtual
server). ``connection-limit`` keeps its meaning: over it a connection is accepted and closed.
Out of descriptors anyway (other processes, the test's own sockets), a listener backs off and says
so in ``adc.log`` once a minute, not ten times a second.
"""
from __future__ import annotations

import errno
import logging
import math
import ssl
import threading
from dataclasses import dataclass, field, replace
from typing import Awaitable, Callable, Collection

import trio

from .connect import ConnectFailed, Connector, candidates
from .http_pool import idle_pool, local_address
from .http_proxy import ExchangeRecord, UpstreamHooks, serve_http
from .health import HealthMonitor
from .lb import Counters, PickContext, Picker, make_picker
from .limits import TRIM_DELAY, Admission, Budget, budget, descriptor_limit, trim_memory
from .persistence import PersistenceTable
from .observe import NullObserver, Observer, SessionInfo, counting
from .spec import ConnectionPoolSpec, DataplaneSpec, MemberSpec, ProfileSpec, VirtualServerSpec
from .redirect import serve_redirect
from .routing import RoutedRuntimes
from .tls import TLSConfigError, client_sni, server_context
from .tunnel import splice

log = logging.getLogger("adc.dataplane")

Address = tuple[str, int]
ConnectFailure = Callable[[str, MemberSpec, str, bool], None]  # (virtual server, member, why, during TLS)
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
ACCEPT_ERROR_LOG_INTERVAL = 60.0  # seconds between two "accept failed" lines for one listener


def listen_problem(addr: Address, err: OSError) -> str:
    """Why this host would not let a listener bind ``addr``, in the operator's terms: the usual reasons
    a line a real box takes cannot be served on a laptop."""
    ip, port = addr
    if err.errno == errno.EADDRNOTAVAIL:
        return f"{ip} is not an address of this host"
    if err.errno == errno.EADDRINUSE:
        return f"{ip}:{port} is in use by another program on this host (Address already in use)"
    if err.errno in (errno.EACCES, errno.EPERM):
        if port < 1024:
            return f"port {port} is below 1024 and needs administrator rights on this host (Permission denied)"
        return f"this host does not allow listening on {ip}:{port} (Permission denied)"
    return str(err.strerror or err)


class VsRuntime:
    """One generation of one virtual server: what a connection needs, fixed at accept time.

    Built at reconcile, and so are its TLS contexts: the constructor raises ``TLSConfigError`` when a
    certificate cannot be served, and the data plane then does not serve that virtual server.
    """

    def __init__(self, spec: VirtualServerSpec, counters: Counters, persistence: PersistenceTable,
                 connect_failed: ConnectFailure | None = None) -> None:
        self.spec = spec
        self.counters = counters
        self.picker: Picker = make_picker(spec.method, spec.pool)
        self.persistence = persistence  # shared by the generations of a VS while its persistence is unchanged
        self.live = 0  # connections currently open
        # member connections, upstream TLS contexts included; a failed connect is reported with this VS's name
        on_failure = (lambda m, why, tls: connect_failed(spec.name, m, why, tls)) if connect_failed else None
        self.connector = Connector(spec, on_failure=on_failure)
        self.server_tls: ssl.SSLContext | None = None
        self.routes: RoutedRuntimes[VsRuntime] | None = None  # content routing: one runtime per rule
        self.load_tls()

    def route(self, ctx: PickContext) -> "tuple[str, VsRuntime] | None":
        """The content-routing rule and runtime serving this request or session (this runtime and
        no rule name without content routing); None when no rule matches."""
        if self.routes is None:
            return "", self
        return self.routes.route(ctx)

    def load_tls(self) -> None:
        """(Re)build the client-side TLS context from the certificate files; the current one stays
        when this raises ``TLSConfigError``. Unchanged files give the same context object (``tls``
        caches by file stamps). A virtual server that is not enabled accepts nothing: not loaded."""
        tls = self.spec.client_tls
        if tls is not None and self.spec.status == "enable":
            persistence = self.spec.persistence
            # SSL session id persistence needs resumption by session id, so no tickets
            self.server_tls = server_context(tls, tickets=not (persistence and persistence.type == "ssl-session-id"))

    # -- what the HTTP proxy and the tunnel call (the ``Upstream`` protocol) ---------------
    def pick(self, ctx: PickContext, exclude: Collection[str] = ()) -> MemberSpec | None:
        """A member for this request or session: persistence first, then the method; ``exclude``
        holds members that already failed to connect for it."""
        return self.persistence.pick(ctx, self.picker, self.counters, trio.current_time(), exclude=exclude)

    def response_headers(self, member: MemberSpec, ctx: PickContext, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return self.persistence.response_headers(member, ctx, headers)

    def acquire(self, member: MemberSpec) -> None:
        self.counters.acquire(member.ident)

    def release(self, member: MemberSpec) -> None:
        self.counters.release(member.ident)


class LiveUpstream(UpstreamHooks):
    """The upstream an HTTP connection uses: each new request picks from the virtual server's
    *current* runtime (a commit's new pool or method applies to the next request on a keep-alive
    connection), while a request in flight keeps the member and runtime it picked.
    """

    def __init__(self, plane: "Dataplane", name: str, rt: VsRuntime, info: SessionInfo) -> None:
        self.plane = plane
        self.name = name
        self.current = rt
        self.info = info
        self.chosen = rt  # the (rule's) runtime the latest ``pick`` used
        self.rule = ""  # the content-routing rule of the latest ``pick``

    def exchange_done(self, record: ExchangeRecord) -> None:
        if self.rule and record.member is not None:
            record = replace(record, rule=self.rule)
        self.info.member = record.member
        self.info.member_local = record.member_local or self.info.member_local
        self.plane.notify("exchange_done", self.info, record)

    def response_headers(self, member: MemberSpec, ctx: PickContext, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return self.chosen.response_headers(member, ctx, headers)

    def pick(self, ctx: PickContext, exclude: Collection[str] = ()) -> MemberSpec | None:
        if not exclude:  # a new request: the current generation, routed (a retry keeps both)
            self.current = self.plane.runtimes.get(self.name, self.current)
            routed = self.current.route(ctx)
            if routed is None:
                self.rule = ""
                return None  # no rule matched: the virtual server answers 503
            self.rule, self.chosen = routed
        return self.chosen.pick(ctx, exclude)

    def acquire(self, member: MemberSpec) -> None:
        # the member is the session's from the moment it is connected: a WebSocket or OnceOnly tunnel
        # shows it (and its live bytes) in the session list and the member's figures while it lasts
        self.info.member = member
        self.chosen.acquire(member)

    def release(self, member: MemberSpec) -> None:
        self.chosen.release(member)

    @property
    def connector(self) -> Connector:
        """The connector of the runtime the latest ``pick`` used."""
        return self.chosen.connector

    @property
    def connection_pool(self) -> "ConnectionPoolSpec | None":
        """The connection pool in force for the latest ``pick`` (the rule's or the virtual server's)."""
        return self.chosen.spec.connection_pool


@dataclass
class Binding:
    address: Address
    vs: str
    listener: trio.SocketListener
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    error_logged: float = -math.inf  # when an accept failure was last logged


class Dataplane:
    """The data plane (see the module docstring).

    ``max_connections`` fixes the global connection limit instead of deriving it from the descriptor
    limit; ``descriptors`` stands for the descriptor limit (nothing is read or raised then); both are
    for tests and special setups. ``limit_log_interval``: seconds between two event-log lines about
    one virtual server waiting for connection slots.
    """

    def __init__(self, observer: Observer | None = None, *, max_connections: int | None = None,
                 descriptors: int | None = None, limit_log_interval: float = 60.0) -> None:
        self.observer: Observer = observer if observer is not None else NullObserver()
        self.max_connections = max_connections
        self.descriptors = descriptors
        self.budget: Budget | None = None
        self._budget_logged: Budget | None = None
        self._trimming = False
        self.admission = Admission(log_interval=limit_log_interval, on_wait=self._connections_waiting,
                                   on_trim=self._trim_memory)
        self.counters = Counters()
        self.health = HealthMonitor(self.counters, self._health_changed)
        self.runtimes: dict[str, VsRuntime] = {}
        self.bindings: dict[Address, Binding] = {}
        self.client_streams: dict[int, trio.SocketStream] = {}  # session id -> client socket (session clear)
        self._spec: DataplaneSpec | None = None  # the last one reconciled, for refresh_tls
        self._reported: set[tuple[str, str]] = set()  # (virtual server, why it is not served)
        self._failures: dict[Address, str] = {}
        # every virtual server of the config that is not served now, and why (read by the status views)
        self.unserved: dict[str, str] = {}
        self.bindings_wanted: dict[Address, str] = {}  # every address the runtimes want, and its virtual server
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._stop: trio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    # ----------------------------------------------------------------- thread life cycle
    def start(self) -> None:
        if self.descriptors is None:
            before, self.descriptors = descriptor_limit()
            if before != self.descriptors:
                log.info("descriptor limit raised from %d to %d", before, self.descriptors)
        self._apply_budget()
        self._thread = threading.Thread(target=self._run, name="adc-dataplane", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as exc:  # pragma: no cover - reported to start() or logged
            self._failure = exc
            log.exception("data plane stopped")
            self._ready.set()

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self.health.run)
            self._ready.set()
            await self._stop.wait()
            for binding in list(self.bindings.values()):
                await self._unbind(binding)
            nursery.cancel_scope.cancel()
        from .http_pool import close_idle_connections

        await close_idle_connections()  # idle keep-alive connections to members

    def stop(self) -> None:
        if self._thread is None or self._token is None:
            return
        try:
            trio.from_thread.run_sync(self._stop_now, trio_token=self._token)
        except trio.RunFinishedError:
            pass
        self._thread.join(timeout=10)
        self._thread = None

    def _stop_now(self) -> None:
        assert self._stop is not None
        self._stop.set()

    def call(self, fn: Callable[..., Awaitable[object]], *args: object) -> object:
        """Run a coroutine function in the data plane's thread and wait for its result."""
        assert self._token is not None
        return trio.from_thread.run(fn, *args, trio_token=self._token)

    async def close_sessions(self, ids: Collection[int]) -> int:
        """Close the client side of these sessions; their handlers then end as on a client reset."""
        doomed = [self.client_streams[i] for i in ids if i in self.client_streams]
        for stream in doomed:
            await trio.aclose_forcefully(stream)
        return len(doomed)

    async def persistence_entries(self) -> list[tuple[str, str, str, MemberSpec, int]]:
        """(virtual server, type, key, member, seconds left) of every live persistence entry."""
        now = trio.current_time()
        out = []
        for name, rt in sorted(self.runtimes.items()):
            for e in rt.persistence.entries(now):
                member = rt.picker.find(e.ident)
                if member is not None:
                    out.append((name, rt.persistence.type, e.key, member, math.ceil(e.expires_in)))
        return out

    async def clear_persistence(self, names: Collection[str]) -> int:
        count = 0
        for name, rt in self.runtimes.items():
            if not names or name in names:
                count += len(rt.persistence)
                rt.persistence.clear()
        return count

    # ----------------------------------------------------------------- reconcile
    def apply(self, spec: DataplaneSpec) -> list[str]:
        """Make the listeners match ``spec``; returns lines for the operator (virtual servers not
        served, bind failures...)."""
        return self._notes(self.call(self.reconcile, spec))

    def refresh_tls(self) -> list[str]:
        """Reload the served certificates from disk without a commit (after ``execute certificate
        local regenerate`` or a re-import replaced the files): new connections get the new files,
        unchanged files keep their context. A certificate that can no longer be served stops its
        virtual server, one that can again brings it back; returns the notes, as ``apply`` does."""
        return self._notes(self.call(self._refresh_tls))

    @staticmethod
    def _notes(result: object) -> list[str]:
        assert isinstance(result, list)
        return result

    async def reconcile(self, spec: DataplaneSpec) -> list[str]:
        return await self._reconcile(spec, reload_tls=False)

    async def _refresh_tls(self) -> list[str]:
        return await self._reconcile(self._spec, reload_tls=True) if self._spec is not None else []

    async def _reconcile(self, spec: DataplaneSpec, reload_tls: bool) -> list[str]:
        self._spec = spec
        self.runtimes, broken = self._runtimes_for(spec, reload_tls)
        self.health.update(m for vs in spec.virtual_servers.values() for p in vs.pools for m in p.members)
        unserved = {**spec.skipped, **broken}
        # reported once; a virtual server not served is tried again at every reconcile
        notes = [f"virtual server {name} is not served: {reason}"
                 for name, reason in unserved.items() if (name, reason) not in self._reported]
        self._reported = set(unserved.items())
        notes += await self._listen()
        for addr, why in self._failures.items():
            name = self.bindings_wanted.get(addr)
            if name is not None:
                unserved.setdefault(name, why)
        self._status_changes(unserved)
        self._apply_budget()
        idle_pool().max_total = self.budget.idle if self.budget is not None else None
        return notes

    def _status_changes(self, unserved: dict[str, str]) -> None:
        """Tell the observer which virtual servers went down (cannot be served, and why) or came back."""
        before, self.unserved = self.unserved, unserved
        for name, why in unserved.items():
            if before.get(name) != why:
                self.notify("vs_status", name, False, why)
        for name in before:
            rt = self.runtimes.get(name)
            if name not in unserved and rt is not None and rt.spec.status == "enable":
                self.notify("vs_status", name, True, "")

    def _apply_budget(self) -> None:
        """Recompute the connection budget for the current listeners and health checks."""
        if self.descriptors is None:
            return
        new = budget(self.descriptors, len(self.bindings), self.health.probe_count(), self.max_connections)
        said = self._budget_logged
        if said is None or abs(new.max_connections - said.max_connections) * 100 >= said.max_connections:
            log.info("%s", new.describe())  # the first, then on changes of 1 % or more
            self._budget_logged = new
        self.budget = new
        self.admission.configure(new.max_connections, {b.vs for b in self.bindings.values()})

    def _runtimes_for(self, spec: DataplaneSpec, reload_tls: bool) -> tuple[dict[str, VsRuntime], dict[str, str]]:
        """The runtime of each virtual server (the same one while its spec is the same object, its
        certificates reloaded when ``reload_tls``), and why the others cannot be served."""
        runtimes: dict[str, VsRuntime] = {}
        unserved: dict[str, str] = {}
        for name, vs in spec.virtual_servers.items():
            old = self.runtimes.get(name)
            try:
                if old is not None and old.spec is vs:
                    if reload_tls:
                        old.load_tls()
                    runtimes[name] = old
                    continue
                runtimes[name] = rt = self._new_runtime(vs, old)
                if vs.routes is not None:
                    rt.routes = RoutedRuntimes(vs, self._new_runtime, old.routes if old is not None else None)
            except TLSConfigError as err:
                unserved[name] = str(err)
        return runtimes, unserved

    def _new_runtime(self, vs: VirtualServerSpec, old: VsRuntime | None) -> VsRuntime:
        """A runtime for ``vs``; the persistence table of ``old`` carries over while unchanged."""
        table = old.persistence if old is not None and old.spec.persistence == vs.persistence else None
        if table is not None:
            table.max_entries = max(1, vs.max_persistence_entries)
        return VsRuntime(vs, self.counters, table or PersistenceTable(vs.persistence, vs.max_persistence_entries),
                         self._connect_failed)

    async def _listen(self) -> list[str]:
        """Bind what the runtimes want and close the rest; returns the new bind failures."""
        wanted: dict[Address, str] = {}
        for name, rt in self.runtimes.items():
            if rt.spec.status != "enable":
                continue  # disable and maintain: no new connections, live ones go on
            for addr in rt.spec.addresses + rt.spec.redirect_addresses:
                wanted.setdefault(addr, name)

        self.bindings_wanted = wanted
        for addr, binding in list(self.bindings.items()):
            if addr in wanted:
                binding.vs = wanted[addr]
            else:
                await self._unbind(binding)
        failures: dict[Address, str] = {}
        for addr, name in wanted.items():
            if addr in self.bindings:
                continue
            try:
                await self._bind(addr, name)
            except OSError as err:
                # retried at every commit (the address may have become free), reported once
                failures[addr] = f"cannot listen on {addr[0]}:{addr[1]}: {listen_problem(addr, err)}"
        notes = [f"virtual server {wanted[addr]} cannot be served on this host: {why}"
                 for addr, why in failures.items() if self._failures.get(addr) != why]
        self._failures = failures
        return notes

    async def _bind(self, addr: Address, name: str) -> None:
        ip, port = addr
        listeners = await trio.open_tcp_listeners(port, host=ip, backlog=1024)
        assert self._nursery is not None
        for listener in listeners[1:]:  # an IP literal resolves to one address; be safe
            await listener.aclose()
        binding = Binding(addr, name, listeners[0])
        self.bindings[addr] = binding
        self._nursery.start_soon(self._accept_loop, binding)

    async def _unbind(self, binding: Binding) -> None:
        binding.scope.cancel()
        self.bindings.pop(binding.address, None)
        await binding.listener.aclose()

    async def _accept_loop(self, binding: Binding) -> None:
        assert self._nursery is not None
        admission = self.admission
        with binding.scope:
            while True:
                if not admission.may_accept(binding.vs):
                    await admission.wait(binding.vs)  # the connection waits in the listen backlog
                    continue
                try:
                    stream = await binding.listener.accept()
                except (trio.ClosedResourceError, trio.BrokenResourceError):
                    return
                except OSError as err:
                    if err.errno in _OUT_OF_DESCRIPTORS:
                        now = trio.current_time()
                        if now - binding.error_logged >= ACCEPT_ERROR_LOG_INTERVAL:
                            binding.error_logged = now
                            log.warning("accept on %s:%s: %s (retried every 0.1 s; said once a minute)",
                                        *binding.address, err.strerror or err)
                        await trio.sleep(0.1)  # out of descriptors: back off, as trio's serve_listeners does
                        continue
                    raise
                rt = self.runtimes.get(binding.vs)
                if rt is None or rt.spec.status != "enable":  # gone or stopped by a reconcile in progress
                    await trio.aclose_forcefully(stream)
                    continue
                admission.opened(rt.spec.name)
                self._nursery.start_soon(self._handle, stream, rt, binding.address)

    def _connections_waiting(self, vs: str, detail: str) -> None:
        log.warning("%s", detail)
        self.notify("connections_waiting", vs, detail)

    def _trim_memory(self) -> None:
        if self._nursery is not None and not self._trimming:
            self._trimming = True
            self._nursery.start_soon(self._trim_later)

    async def _trim_later(self) -> None:
        try:
            await trio.sleep(TRIM_DELAY)
            await trio.to_thread.run_sync(trim_memory)
        finally:
            self._trimming = False

    def _connect_failed(self, vs: str, member: MemberSpec, why: str, tls: bool) -> None:
        self.notify("connect_failed", vs, member, why, tls)

    def _health_changed(self, member: MemberSpec, up: bool, reason: str) -> None:
        self.notify("health_changed", member, up, reason)

    def notify(self, event: str, *args: object) -> None:
        """Tell the observer; an observer's failure is logged, never raised into a connection."""
        try:
            getattr(self.observer, event)(*args)
        except Exception:
            log.exception("observer failed on %s", event)

    # ----------------------------------------------------------------- connections
    async def _handle(self, stream: trio.SocketStream, rt: VsRuntime, local: Address) -> None:
        """One client connection, guarded: whatever happens ends here."""
        vs = rt.spec
        if vs.connection_limit and rt.live >= vs.connection_limit:
            self.admission.closed(vs.name)
            await trio.aclose_forcefully(stream)
            return
        rt.live += 1
        info: SessionInfo | None = None
        try:
            peer = stream.socket.getpeername()[:2]
            protocol = "https" if vs.mode == "http" and vs.client_tls is not None else vs.mode
            idle = vs.profile.tcp_session_timeout if vs.mode == "tcp" else vs.profile.keepalive_timeout
            info = SessionInfo(vs.name, protocol, (peer[0], peer[1]), local, idle_timeout=float(idle),
                               traffic_log=vs.traffic_log)
            self.notify("session_opened", info)
            self.client_streams[info.id] = stream
            client: trio.abc.Stream = stream
            tls_session, sni = b"", ""
            if rt.server_tls is not None and any(lo <= local[1] <= hi for lo, hi in vs.ports):  # built at reconcile for every enabled virtual server with client TLS
                ssl_stream = trio.SSLStream(stream, rt.server_tls, server_side=True, https_compatible=True)
                with trio.move_on_after(vs.profile.client_timeout or ProfileSpec.client_timeout) as hs:
                    await ssl_stream.do_handshake()
                if hs.cancelled_caught:
                    return
                session = ssl_stream.session
                tls_session = session.id if session is not None else b""
                sni = client_sni(ssl_stream)
                client = ssl_stream
            # bytes of the client's messages, counted after TLS (what the member figures count too)
            client = counting(client, info)
            if vs.http2https_ports and not any(lo <= local[1] <= hi for lo, hi in vs.ports):
                await serve_redirect(client, vs)  # http2https-port: a clear listener that only redirects
            elif vs.mode == "http":
                upstream = LiveUpstream(self, vs.name, rt, info)
                await serve_http(client, info.client, local, vs, upstream, tls_session=tls_session, sni=sni)
            else:
                await self._serve_tcp(client, info, rt, tls_session)
        except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError, OSError) as err:
            log.debug("connection to %s ended: %r", vs.name, err)
        except Exception:
            log.exception("connection to virtual server %s failed", vs.name)
        finally:
            rt.live -= 1
            self.admission.closed(vs.name)
            await trio.aclose_forcefully(stream)
            if info is not None:
                self.client_streams.pop(info.id, None)
                self.notify("session_closed", info)

    async def _serve_tcp(self, client: trio.abc.Stream, info: SessionInfo, rt: VsRuntime, tls_session: bytes = b"") -> None:
        peer, local = info.client, info.local
        ctx = PickContext(client_ip=peer[0], client_port=peer[1], dest_ip=local[0], dest_port=local[1],
                          tls_session=tls_session)
        routed = rt.route(ctx)
        if routed is None:
            return  # content routing and no rule matched: the connection is closed
        info.rule, rt = routed
        for member in candidates(rt.pick, ctx):
            rt.acquire(member)
            try:
                try:
                    upstream = await rt.connector.open(member, "", local[1])
                except ConnectFailed:
                    continue
                info.member = member
                info.member_local = local_address(upstream)
                self.notify("session_member", info, member)
                try:
                    timeout = rt.spec.profile.tcp_session_timeout
                    await splice(client, upstream, b"", b"", timeout if timeout > 0 else math.inf)
                finally:
                    await trio.aclose_forcefully(upstream)
                return
            finally:
                rt.release(member)
