"""The running data plane: a trio thread that owns every listener and connection.

``Dataplane.apply(spec)`` is called from the console thread after each commit and returns once the
listeners match the spec (or with the reasons they could not), so a virtual server is bound before
the prompt comes back. Reconciling keeps what did not change:

- an address that stays wanted keeps its listening socket; new connections on it use the new spec;
- a virtual server whose compiled spec is the same object keeps its ``VsRuntime`` (and so its round
  robin position); a changed one gets a new ``VsRuntime`` for new connections and requests;
- live connections hold the ``VsRuntime`` they started with until they end, so in-flight requests and
  open WebSockets finish on the config they began under, and a removed or disabled virtual server
  drains: its listeners close (one cancel scope each), its connections run on.

Connections do not live inside any listener's cancel scope; they sit in one nursery of their own and
every handler is guarded, so one bad client never takes a listener or the appliance down.
"""
from __future__ import annotations

import errno
import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Collection

import trio

from .http_pool import local_address
from .http_proxy import ExchangeRecord, UpstreamHooks, serve_http
from .health import HealthMonitor
from .lb import Counters, PickContext, Picker, make_picker
from .persistence import PersistenceTable
from .observe import NullObserver, Observer, SessionInfo, counting
from .spec import DataplaneSpec, MemberSpec, UpstreamTLS, VirtualServerSpec
from .tunnel import splice

log = logging.getLogger("adc.dataplane")

Address = tuple[str, int]
CONNECT_ATTEMPTS = 3


class VsRuntime:
    """One generation of one virtual server: what a connection needs, fixed at accept time."""

    def __init__(self, spec: VirtualServerSpec, counters: Counters, persistence: PersistenceTable) -> None:
        self.spec = spec
        self.counters = counters
        self.picker: Picker = make_picker(spec.method, spec.pool)
        self.persistence = persistence  # shared by the generations of a VS while its persistence is unchanged
        self.live = 0  # connections currently open

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

    def member_tls(self, member: MemberSpec) -> UpstreamTLS | None:
        return member.tls if member.tls is not None else self.spec.pool.tls

    async def connect(self, member: MemberSpec, host_header: str = "", local_port: int = 0) -> trio.abc.Stream:
        """A stream to the member (TLS when its SSL profile asks), within the profile's connect timeout."""
        port = member.port or local_port
        with trio.fail_after(self.spec.profile.connect_timeout or 5):
            stream: trio.abc.Stream = await trio.open_tcp_stream(member.host, port)
            tls = self.member_tls(member)
            if tls is not None:
                from .tls import upstream_context, upstream_server_hostname

                name = upstream_server_hostname(tls, host_header, member.host)
                alpn = ("http/1.1",) if self.spec.mode == "http" else ()
                ssl_stream = trio.SSLStream(stream, upstream_context(tls, alpn), server_hostname=name)
                try:
                    await ssl_stream.do_handshake()
                except BaseException:
                    await trio.aclose_forcefully(stream)
                    raise
                stream = ssl_stream
        return stream

    def server_context(self):
        """The client-side TLS context; looked up per connection (it is cached by spec and by the
        certificate files' identity) so a regenerated or re-imported certificate is served at once."""
        from .tls import server_context

        assert self.spec.client_tls is not None
        persistence = self.spec.persistence
        return server_context(self.spec.client_tls, tickets=not (persistence and persistence.type == "ssl-session-id"))


class LiveUpstream(UpstreamHooks):
    """The upstream an HTTP connection uses: each new request picks from the virtual server's
    *current* runtime (a commit's new pool or method applies to the next request on a keep-alive
    connection), while a request in flight keeps the member and runtime it picked.
    """

    def __init__(self, plane: "Dataplane", name: str, rt: VsRuntime, local_port: int, info: SessionInfo) -> None:
        self.plane = plane
        self.name = name
        self.current = rt
        self.local_port = local_port  # for members with port 0 (the port the client connected to)
        self.info = info

    def exchange_done(self, record: ExchangeRecord) -> None:
        self.info.member = record.member
        self.info.member_local = record.member_local or self.info.member_local
        self.plane.notify("exchange_done", self.info, record)

    def response_headers(self, member: MemberSpec, ctx: PickContext, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return self.current.response_headers(member, ctx, headers)

    def pick(self, ctx: PickContext, exclude: Collection[str] = ()) -> MemberSpec | None:
        self.current = self.plane.runtimes.get(self.name, self.current)
        return self.current.pick(ctx, exclude)

    def acquire(self, member: MemberSpec) -> None:
        self.current.acquire(member)

    def release(self, member: MemberSpec) -> None:
        self.current.release(member)

    async def connect(self, member: MemberSpec, host_header: str = "") -> trio.abc.Stream:
        return await self.current.connect(member, host_header, self.local_port)


@dataclass
class Binding:
    address: Address
    vs: str
    listener: trio.SocketListener
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)


class Dataplane:
    def __init__(self, observer: Observer | None = None) -> None:
        self.observer: Observer = observer if observer is not None else NullObserver()
        self.counters = Counters()
        self.health = HealthMonitor(self.counters, self._health_changed)
        self.runtimes: dict[str, VsRuntime] = {}
        self.bindings: dict[Address, Binding] = {}
        self._reported: set[tuple[str, str]] = set()
        self._failures: dict[Address, str] = {}
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._stop: trio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    # ----------------------------------------------------------------- thread life cycle
    def start(self) -> None:
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

    # ----------------------------------------------------------------- reconcile
    def apply(self, spec: DataplaneSpec) -> list[str]:
        """Make the listeners match ``spec``; returns lines for the operator (bind failures...)."""
        result = self.call(self.reconcile, spec)
        assert isinstance(result, list)
        return result

    async def reconcile(self, spec: DataplaneSpec) -> list[str]:
        notes: list[str] = []
        for name, reason in spec.skipped.items():
            if (name, reason) not in self._reported:
                notes.append(f"virtual server {name} is not served: {reason}")
        self._reported = set(spec.skipped.items())

        runtimes: dict[str, VsRuntime] = {}
        for name, vs in spec.virtual_servers.items():
            old = self.runtimes.get(name)
            if old is not None and old.spec is vs:
                runtimes[name] = old
                continue
            table = old.persistence if old is not None and old.spec.persistence == vs.persistence else None
            if table is not None:
                table.max_entries = max(1, vs.max_persistence_entries)
            runtimes[name] = VsRuntime(vs, self.counters, table or PersistenceTable(vs.persistence, vs.max_persistence_entries))
        self.runtimes = runtimes
        self.health.update(m for vs in spec.virtual_servers.values() for m in vs.pool.members)

        wanted: dict[Address, str] = {}
        for name, vs in spec.virtual_servers.items():
            if vs.status != "enable":
                continue  # disable and maintain: no new connections, live ones go on
            for addr in vs.addresses:
                wanted.setdefault(addr, name)

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
                failures[addr] = f"virtual server {name}: cannot listen on {addr[0]}:{addr[1]}: {err.strerror or err}"
        notes += [msg for addr, msg in failures.items() if self._failures.get(addr) != msg]
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
        with binding.scope:
            while True:
                try:
                    stream = await binding.listener.accept()
                except (trio.ClosedResourceError, trio.BrokenResourceError):
                    return
                except OSError as err:
                    if err.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                        log.warning("accept on %s: %s", binding.address, err)
                        await trio.sleep(0.1)  # out of descriptors: back off, as trio's serve_listeners does
                        continue
                    raise
                rt = self.runtimes.get(binding.vs)
                if rt is None:
                    await trio.aclose_forcefully(stream)
                    continue
                self._nursery.start_soon(self._handle, stream, rt, binding.address)

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
            client: trio.abc.Stream = counting(stream, info)
            tls_session = b""
            if vs.client_tls is not None:
                ssl_stream = trio.SSLStream(client, rt.server_context(), server_side=True, https_compatible=True)
                with trio.move_on_after(vs.profile.client_timeout or 50) as hs:
                    await ssl_stream.do_handshake()
                if hs.cancelled_caught:
                    return
                session = ssl_stream.session
                tls_session = session.id if session is not None else b""
                client = ssl_stream
            if vs.mode == "http":
                upstream = LiveUpstream(self, vs.name, rt, local[1], info)
                await serve_http(client, info.client, local, vs, upstream, tls_session=tls_session)
            else:
                await self._serve_tcp(client, info, rt, tls_session)
        except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError, OSError) as err:
            log.debug("connection to %s ended: %r", vs.name, err)
        except Exception:
            log.exception("connection to virtual server %s failed", vs.name)
        finally:
            rt.live -= 1
            await trio.aclose_forcefully(stream)
            if info is not None:
                self.notify("session_closed", info)

    async def _serve_tcp(self, client: trio.abc.Stream, info: SessionInfo, rt: VsRuntime, tls_session: bytes = b"") -> None:
        peer, local = info.client, info.local
        ctx = PickContext(client_ip=peer[0], client_port=peer[1], dest_ip=local[0], dest_port=local[1],
                          tls_session=tls_session)
        tried: set[str] = set()
        for _ in range(CONNECT_ATTEMPTS):
            member = rt.pick(ctx, tried)
            if member is None or member.ident in tried:
                return
            tried.add(member.ident)
            rt.acquire(member)
            try:
                try:
                    upstream = await rt.connect(member, "", local[1])
                except (OSError, trio.TooSlowError, trio.BrokenResourceError):
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
