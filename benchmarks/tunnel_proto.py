"""Throwaway L4 tunnels on trio, to show what the appliance's byte pump could reach (not the appliance).

``python -m benchmarks.tunnel_proto MODE LISTEN_IP LISTEN_PORT MEMBER_IP MEMBER_PORT`` relays every
accepted connection to the member, both ways, with half-close and a 100 s idle timer, like an
``l4-load-balance`` virtual server. The modes differ only in the pump:

* ``stream``: the appliance's shape today (``adc/dataplane/tunnel.py``): ``SocketStream.receive_some``
  of 64 KiB, ``send_all``, and the idle deadline re-armed after each read and each write; without
  the appliance's observer and load balancing, so it should come out a little faster than adc.
* ``raw``: ``recv_into`` one shared 1 MiB buffer and ``send`` on the socket itself, waiting with
  ``trio.lowlevel.wait_readable``/``wait_writable`` only when the call would block, a checkpoint
  every 16 chunks (fairness), the idle timer kept as a last-activity time checked by one sleeping
  task (no deadline write per chunk). Bytes a blocked send leaves behind are copied out of the
  shared buffer, so an idle connection holds no buffer.
* ``splice``: as ``raw``, but the bytes go socket -> pipe -> socket with ``os.splice`` (Linux), never
  through user space.
"""
from __future__ import annotations

import os
import socket
import sys

import trio

IDLE = 100.0
STREAM_CHUNK = 65536
RAW_CHUNK = 1 << 20
_SHARED = bytearray(RAW_CHUNK)  # one trio thread: the buffer is free again before any await
_VIEW = memoryview(_SHARED)


class _Activity:
    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = trio.current_time()


async def _stream_pump(src: trio.SocketStream, dst: trio.SocketStream, scope: trio.CancelScope) -> None:
    try:
        while True:
            data = await src.receive_some(STREAM_CHUNK)
            if not data:
                break
            scope.deadline = trio.current_time() + IDLE
            await dst.send_all(data)
            scope.deadline = trio.current_time() + IDLE
        await dst.send_eof()
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        scope.cancel()


async def _send_rest(dst: socket.socket, rest: bytes) -> None:
    view = memoryview(rest)
    while view:
        try:
            view = view[dst.send(view):]
        except BlockingIOError:
            await trio.lowlevel.wait_writable(dst)


async def _raw_pump(src: socket.socket, dst: socket.socket, act: _Activity, scope: trio.CancelScope) -> None:
    wait_readable, checkpoint = trio.lowlevel.wait_readable, trio.lowlevel.checkpoint
    streak = 0
    try:
        while True:
            try:
                n = src.recv_into(_SHARED)
            except BlockingIOError:
                streak = 0
                await wait_readable(src)
                continue
            if not n:
                break
            act.last = trio.current_time()
            try:
                sent = dst.send(_VIEW[:n])
            except BlockingIOError:
                sent = 0
            if sent < n:
                await _send_rest(dst, bytes(_VIEW[sent:n]))  # copy out: the shared buffer is needed elsewhere
                streak = 0
            else:
                streak += 1
                if streak >= 16:
                    streak = 0
                    await checkpoint()
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        scope.cancel()


async def _splice_pump(src: socket.socket, dst: socket.socket, act: _Activity, scope: trio.CancelScope) -> None:
    r, w = os.pipe()
    flags = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK
    streak = 0
    try:
        while True:
            try:
                n = os.splice(src.fileno(), w, RAW_CHUNK, flags=flags)
            except BlockingIOError:
                streak = 0
                await trio.lowlevel.wait_readable(src)
                continue
            if not n:
                break
            act.last = trio.current_time()
            while n:
                try:
                    n -= os.splice(r, dst.fileno(), n, flags=flags)
                except BlockingIOError:
                    await trio.lowlevel.wait_writable(dst)
            streak += 1
            if streak >= 16:
                streak = 0
                await trio.lowlevel.checkpoint()
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        scope.cancel()
    finally:
        os.close(r)
        os.close(w)


async def _idle_watch(act: _Activity, scope: trio.CancelScope) -> None:
    while True:
        await trio.sleep_until(act.last + IDLE)
        if trio.current_time() >= act.last + IDLE:
            scope.cancel()
            return


async def handle(mode: str, member: tuple[str, int], client: trio.SocketStream) -> None:
    try:
        upstream = await trio.open_tcp_stream(*member)
    except OSError:
        await trio.aclose_forcefully(client)
        return
    try:
        if mode == "stream":
            with trio.CancelScope(deadline=trio.current_time() + IDLE) as scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_stream_pump, client, upstream, scope)
                    nursery.start_soon(_stream_pump, upstream, client, scope)
        else:
            pump = _raw_pump if mode == "raw" else _splice_pump
            a, b = client.socket._sock, upstream.socket._sock  # type: ignore[attr-defined]
            act = _Activity()
            with trio.CancelScope() as scope:
                async with trio.open_nursery() as outer:
                    outer.start_soon(_idle_watch, act, scope)
                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(pump, a, b, act, scope)
                        nursery.start_soon(pump, b, a, act, scope)
                    outer.cancel_scope.cancel()
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
    finally:
        await trio.aclose_forcefully(upstream)
        await trio.aclose_forcefully(client)


async def main(mode: str, ip: str, port: int, member: tuple[str, int]) -> None:
    async def guarded(stream: trio.SocketStream) -> None:
        try:
            await handle(mode, member, stream)
        except Exception:
            pass

    listeners = await trio.open_tcp_listeners(port, host=ip, backlog=1024)
    print("ready", flush=True)
    await trio.serve_listeners(guarded, listeners)


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] not in ("stream", "raw", "splice"):
        raise SystemExit("usage: tunnel_proto stream|raw|splice LISTEN_IP LISTEN_PORT MEMBER_IP MEMBER_PORT")
    trio.run(main, a[0], a[1], int(a[2]), (a[3], int(a[4])))
