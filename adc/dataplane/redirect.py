"""HTTP-to-HTTPS redirection (``http2https`` / ``http2https-port`` of an HTTPS virtual server).

An HTTPS virtual server with ``http2https enable`` also listens on its ``http2https-port`` ports in
clear HTTP (CLI744 p. 241: "Enable/disable redirect HTTP request to HTTPS"; "HTTP service port list
for redirecting HTTP to HTTPS") and answers every request there itself: ``302 Found`` with
``Location: https://<host><:port><target>``, the request's Host (without its port, else the virtual
server's address) and target unchanged, the port omitted when the virtual server's first HTTPS port
is 443. Nothing reaches a member. The connection stays open for further requests (keep-alive, within
the profile's ``http-keepalive-timeout`` and ``http-request-timeout``), and a request body is read
and discarded.

``redirect_location`` is the pure part; ``serve_redirect`` the loop around h11.
"""
from __future__ import annotations

import logging

import h11
import trio

from .http_message import host_without_port
from .spec import VirtualServerSpec

__all__ = ["REDIRECT_STATUS", "redirect_location", "serve_redirect"]

log = logging.getLogger(__name__)

REDIRECT_STATUS = 302  # FortiADC's redirects answer 302 unless told otherwise (docs/fidelity.md)
MAX_HEAD = 65536
_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError, OSError, h11.ProtocolError)


def redirect_location(vs: VirtualServerSpec, host_header: str, target: str) -> str:
    """Where a clear request for ``host_header`` + ``target`` is sent: the same URL over HTTPS."""
    host = host_without_port(host_header) if host_header else ""
    if not host:
        host = f"[{vs.ip}]" if ":" in vs.ip else vs.ip
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = vs.ports[0][0] if vs.ports else 443
    if not target.startswith("/"):
        target = "/" + target if target != "*" else "/"
    return f"https://{host}{'' if port == 443 else f':{port}'}{target}"


async def serve_redirect(client: trio.abc.Stream, vs: VirtualServerSpec) -> None:
    """Answer every request of one clear connection with the redirect; never raises."""
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
    profile = vs.profile
    try:
        while True:
            request = None
            with trio.move_on_after(max(1, profile.keepalive_timeout)):
                while True:
                    event = conn.next_event()
                    if event is h11.NEED_DATA:
                        conn.receive_data(bytes(await client.receive_some(65536)))
                        continue
                    if isinstance(event, h11.Request):
                        request = event
                    elif isinstance(event, h11.EndOfMessage):
                        break
                    elif isinstance(event, h11.ConnectionClosed):
                        return
            if request is None:
                return
            host = next((v.decode("latin-1") for n, v in request.headers if n == b"host"), "")
            location = redirect_location(vs, host, request.target.decode("latin-1"))
            keep = conn.their_state is h11.DONE and request.http_version == b"1.1"
            headers = [(b"Location", location.encode("latin-1")), (b"Content-Length", b"0")]
            if not keep:
                headers.append((b"Connection", b"close"))
            data = conn.send(h11.Response(status_code=REDIRECT_STATUS, headers=headers))
            data += conn.send(h11.EndOfMessage())
            await client.send_all(data)
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()
    except _ERRORS as exc:
        log.debug("redirect connection to %s ended: %r", vs.name, exc)
