"""Grading: each check of a lab against a saved configuration, live listeners and a command history.

``config`` checks read the configuration tree through the schema (values in force, defaults included);
``traffic`` checks send real requests to the lab's virtual servers and read which backend answered
(``X-Backend``), the status, the certificate presented, a WebSocket echo; ``command``
checks search the commands typed in the lab's console. A failing check reports the lab author's
feedback, followed by what was seen where that helps without giving the answer away.
"""
from __future__ import annotations

import http.client
import re
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

from ..config.tree import ConfigTree, Entry, TableData
from ..config.view import View
from ..schema.model import Table
from ..schema.registry import Schema
from .backends import accept_key, read_frame, write_frame
from .model import Check

TIMEOUT = 3.0  # seconds for one request through the appliance


@dataclass(frozen=True)
class Result:
    name: str
    kind: str
    passed: bool
    feedback: str  # empty when the check passed

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "passed": self.passed, "feedback": self.feedback}


@dataclass
class Target:
    """What the checks grade: the saved tree, the commands typed, and how long the appliance has served."""

    schema: Schema
    tree: ConfigTree
    history: Sequence[tuple[str, bool]]
    serving_since: float  # time.monotonic() when the listeners came up (0: long ago)


def run_checks(checks: Sequence[Check], target: Target) -> list[Result]:
    out = []
    for check in checks:
        try:
            ok, seen = GRADERS[check.kind](check.spec, target)
        except Exception as exc:  # one broken check never stops the grading of the others
            ok, seen = False, f"the check could not run ({type(exc).__name__}: {exc})"
        feedback = "" if ok else check.feedback + (f" ({seen})" if seen else "")
        out.append(Result(check.name, check.kind, ok, feedback))
    return out


# ------------------------------------------------------------------------------------------ config
def _lookup(tree: ConfigTree) -> Callable[[str, str], Entry | None]:
    def lookup(dotted: str, key: str) -> Entry | None:
        node = tree.nodes.get(tuple(dotted.split(".")))
        return node.get(key) if isinstance(node, TableData) else None

    return lookup


def _words(value: Any) -> tuple[str, ...]:
    return tuple(str(value).split())


def grade_config(spec: Mapping[str, Any], target: Target) -> tuple[bool, str]:
    path = tuple(spec["table"].split())
    table = target.schema.table(path)
    if table is None:
        return False, f"the lab names an unknown table '{spec['table']}'"
    view = View(target.schema, _lookup(target.tree))
    node = target.tree.nodes.get(path)
    match = {k: _words(v) for k, v in spec.get("match", {}).items()}
    absent = bool(spec.get("absent", False))
    if isinstance(node, Entry):  # a single object (system global...)
        candidates: list[Entry] = [node]
        where_table = table
    else:
        entries = list(node) if isinstance(node, TableData) else []
        if "entry" in spec:
            entries = [e for e in entries if e.key == spec["entry"]]
            if not entries:
                return absent, ""
        where_table = table
        candidates = entries
        if "child" in spec:
            child = next((t for t in table.children if t.name == spec["child"]), None)
            if child is None:
                return False, f"the lab names an unknown nested table '{spec['child']}'"
            where_table = child
            candidates = [c for e in entries for c in e.children.get(child.name, TableData())]
    found = [e for e in candidates if _matches(view, where_table, e, match)]
    return (not found) if absent else bool(found), ""


def _matches(view: View, table: Table, entry: Entry, match: dict[str, tuple[str, ...]]) -> bool:
    return all(view.words(table, entry, name) == want for name, want in match.items())


# ----------------------------------------------------------------------------------------- command
def grade_command(spec: Mapping[str, Any], target: Target) -> tuple[bool, str]:
    pattern = re.compile(spec["pattern"], re.IGNORECASE)
    return any(ok and pattern.search(line) for line, ok in target.history), ""


# ----------------------------------------------------------------------------------------- traffic
@dataclass
class Answer:
    status: int
    backend: str
    certificate: str = ""  # subject and issuer of the certificate presented, for TLS
    set_cookie: str = ""


class TrafficError(Exception):
    """A request that got no answer; the message says what happened, in the trainee's terms."""


def _tls_client() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the lab grades which certificate is presented, not trust in it
    return ctx


def _describe_cert(der: bytes | None) -> str:
    if not der:
        return ""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return f"subject {cert.subject.rfc4514_string()}; issuer {cert.issuer.rfc4514_string()}"


def http_request(url: str, cookie: str = "", host: str = "") -> Answer:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", port, timeout=TIMEOUT, context=_tls_client())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", port, timeout=TIMEOUT)
    try:
        headers = {"Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        if host:
            headers["Host"] = host
        try:
            conn.request("GET", parts.path or "/", headers=headers)
            cert = ""
            if isinstance(conn.sock, ssl.SSLSocket):
                cert = _describe_cert(conn.sock.getpeercert(binary_form=True))
            resp = conn.getresponse()
            resp.read(1 << 16)  # the body: the backend named itself in X-Backend
        except (OSError, http.client.HTTPException) as exc:
            raise TrafficError(_why(url, exc)) from None
        backend = resp.getheader("X-Backend") or ""
        cookies = "; ".join(v.split(";", 1)[0].strip() for k, v in resp.getheaders() if k.lower() == "set-cookie")
        return Answer(resp.status, backend, cert, cookies)
    finally:
        conn.close()


def _why(url: str, exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return f"nothing listens at {urlsplit(url).netloc}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer from {urlsplit(url).netloc} within {TIMEOUT:g} s"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed at {urlsplit(url).netloc} ({exc.reason or exc})"
    if isinstance(exc, (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError)):
        return f"{urlsplit(url).netloc} closed the connection without an answer"
    return f"{urlsplit(url).netloc}: {exc}"


def websocket_session(url: str, messages: int) -> Answer:
    """Open a WebSocket, send ``messages`` text messages on it and read each echo; the backend's name."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    host = parts.hostname or ""
    try:
        raw = socket.create_connection((host, port), timeout=TIMEOUT)
    except OSError as exc:
        raise TrafficError(_why(url, exc)) from None
    sock: socket.socket = raw
    cert = ""
    try:
        if parts.scheme == "wss":
            sock = _tls_client().wrap_socket(raw, server_hostname=host)
            cert = _describe_cert(sock.getpeercert(binary_form=True))
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        sock.sendall((f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            got = sock.recv(4096)
            if not got:
                raise TrafficError(f"{parts.netloc} closed the connection without answering the Upgrade")
            head += got
            if len(head) > 65536:
                raise TrafficError(f"{parts.netloc} sent an over-long answer")
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        fields = status_line.split()
        status = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
        if status != 101:
            return Answer(status, "", cert)
        if accept_key(key).encode() not in head:
            raise TrafficError("the Upgrade answer has a wrong Sec-WebSocket-Accept")
        backend = ""
        for i in range(messages):
            text = f"lab-probe-{i}".encode()
            write_frame(sock, 0x1, text, mask=True)
            opcode, data = read_frame(sock)
            name, _, echoed = data.partition(b" ")
            if opcode != 0x1 or echoed != text:
                raise TrafficError(f"message {i + 1} on the WebSocket did not come back")
            if backend and name.decode() != backend:
                raise TrafficError("the WebSocket moved to another backend while open")
            backend = name.decode()
        write_frame(sock, 0x8, b"\x03\xe8", mask=True)
        return Answer(101, backend, cert)
    except (OSError, ConnectionError) as exc:
        raise TrafficError(_why(url, exc)) from None
    finally:
        sock.close()


def grade_traffic(spec: Mapping[str, Any], target: Target) -> tuple[bool, str]:
    """Try the traffic, again until ``wait`` seconds after the listeners came up (health checks settle)."""
    wait = float(spec.get("wait", 0))
    settle = target.serving_since + wait - time.monotonic() if target.serving_since else 0.0
    if settle > 0:
        time.sleep(settle)  # the lab's health checks need this long to judge the members first
        wait = 0.0  # they have: what the traffic does now is the verdict
    deadline = time.monotonic() + wait  # commits bind their listeners before the prompt returns: no wait is one try
    while True:
        ok, seen = _traffic_once(spec)
        if ok or time.monotonic() >= deadline:
            return ok, seen
        time.sleep(0.1)


def _traffic_once(spec: Mapping[str, Any]) -> tuple[bool, str]:
    url = spec["url"]
    websocket = url.startswith(("ws://", "wss://"))
    want_status = int(spec.get("status", 101 if websocket else 200))
    answers: list[Answer] = []
    cookie = ""
    try:
        for _ in range(int(spec.get("requests", 1))):
            if websocket:
                a = websocket_session(url, int(spec.get("messages", 2)))
            else:
                a = http_request(url, cookie if spec.get("cookies") else "", spec.get("host", ""))
                cookie = cookie or a.set_cookie
            answers.append(a)
    except TrafficError as exc:
        return False, str(exc)
    statuses = sorted({a.status for a in answers})
    if statuses != [want_status]:
        return False, f"answered {', '.join(map(str, statuses))}"
    seen = [a.backend for a in answers]
    if "backends" in spec:
        want = set(spec["backends"])
        got = set(seen)
        if got != want:
            return False, f"{len(answers)} request{'s' if len(answers) > 1 else ''} reached " + ", ".join(sorted(got))
    if "any_of" in spec and not set(seen) <= set(spec["any_of"]):
        return False, "a request reached " + ", ".join(sorted(set(seen) - set(spec["any_of"])) or ["no backend"])
    if spec.get("same_backend") and len(set(seen)) != 1:
        return False, f"{len(answers)} requests reached {len(set(seen))} different backends"
    if "certificate" in spec:
        certs = {a.certificate for a in answers}
        if not all(spec["certificate"] in c for c in certs):
            return False, "the certificate presented: " + " / ".join(sorted(c or "none" for c in certs))
    return True, ""


GRADERS: dict[str, Callable[[Mapping[str, Any], Target], tuple[bool, str]]] = {
    "config": grade_config, "traffic": grade_traffic, "command": grade_command}

