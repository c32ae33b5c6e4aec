"""What the engine asks of the appliance: the one protocol through which it reaches live state and files.

The engine parses, validates and formats; it touches nothing. Whatever touches the machine (the data
plane's live figures, health probes, certificate files on disk, the operator's files, the logs) is a
method here, implemented by ``adc.appliance.Appliance``. A method that waits (a probe) blocks only the
console that asked; none runs an event loop on the console's thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from ..config.store import ConfigStore
from ..config.tree import ConfigTree
from ..schema.registry import Schema

NO_DATAPLANE = "The data plane is not running: no live status."


class SessionRow(Protocol):
    """One client session as ``diagnose server-load-balance session list`` prints it."""

    @property
    def id(self) -> int: ...
    @property
    def vs(self) -> str: ...
    @property
    def protocol(self) -> str: ...
    @property
    def client(self) -> tuple[str, int]: ...
    @property
    def local(self) -> tuple[str, int]: ...
    @property
    def member_local(self) -> tuple[str, int] | None: ...
    @property
    def member_addr(self) -> tuple[str, int] | None: ...
    @property
    def member_name(self) -> str: ...
    @property
    def bytes_in(self) -> int: ...
    @property
    def bytes_out(self) -> int: ...
    @property
    def expire(self) -> int: ...


@dataclass(frozen=True)
class PingOptions:
    """``execute ping-option`` settings of one console session (CLI744 p. 587-588), with their defaults."""

    repeat_count: int = 5
    data_size: int = 56
    timeout: int = 2
    interval: int = 1
    ttl: int = 64
    tos: str = "default"
    df_bit: bool = False
    source: str = "auto"
    pattern: bytes = b""
    validate_reply: bool = False


@dataclass(frozen=True)
class EchoReply:
    seq: int
    size: int  # ICMP bytes received
    ttl: int  # -1: the host's socket does not tell
    ms: float
    valid: bool = True


@dataclass(frozen=True)
class PingRun:
    """What one ``execute ping`` saw: the address pinged, how many requests went out, the replies."""

    address: str
    sent: int
    replies: tuple[EchoReply, ...]


@dataclass(frozen=True)
class TraceRun:
    """``execute traceroute``: the address, and per hop one (answering address, ms) or None per probe."""

    address: str
    hops: tuple[tuple[tuple[str, float] | None, ...], ...]


@dataclass(frozen=True)
class PersistenceRow:
    """One live persistence entry of a virtual server (``diagnose server-load-balance persistence list``)."""

    vs: str
    type: str
    key: str
    member: str  # real server name
    member_addr: tuple[str, int]
    expire: int  # seconds left


class ApplianceOps(Protocol):
    """The appliance as a session sees it."""

    schema: Schema

    @property
    def store(self) -> ConfigStore: ...

    def factory_tree(self) -> ConfigTree:
        """A fresh factory-default configuration (factoryreset, restore)."""
        ...

    # ---- reports (text as ``get`` prints it)
    def system_status(self) -> str: ...

    def system_performance(self) -> str: ...

    def admin_status(self) -> list[str]:
        """Who is logged in from where (``get system info admin status``)."""
        ...

    def live_report(self, name: str) -> list[str]:
        """``virtual-server-status``, ``real-server-status`` or ``slb_load`` (its body): lines of the
        live data plane, or ``[NO_DATAPLANE]`` when it is not running."""
        ...

    def sessions(self) -> Sequence[SessionRow] | None:
        """The live client sessions; None when the data plane is not running."""
        ...

    def log_tail(self, kind: str, count: int) -> list[str] | None:
        """The last ``count`` lines of the ``traffic`` or ``event`` log; None without logs."""
        ...

    def log_files(self, kind: str) -> list[str] | None:
        """``<file> <size> <mtime>`` for each file of a log, newest first; None without logs."""
        ...

    # ---- probes
    def verify_health(self, check: str, address: str, port: int, timeout: int | None, count: int,
                      interval: int | None) -> list[bool] | None:
        """Run the committed health check ``check`` ``count`` times against ``address`` (``interval``
        seconds apart; None = the check's own); one result per probe, None when there is no such check."""
        ...

    # ---- the operator's files: one folder, the files folder, stands for the real box's TFTP server
    def read_file(self, name: str, limit: int) -> bytes:
        """The content of file ``name`` of the files folder.

        ``name`` is relative to the folder; an absolute name, a ``..`` or a symbolic link that leads out
        of it raises ``PermissionError`` and nothing is read. A file of more than ``limit`` bytes raises
        ``OSError`` with ``errno.EFBIG``; a directory or a device, ``OSError`` too. Error texts
        (``strerror``) never quote the file.
        """
        ...

    def write_file(self, name: str, data: bytes) -> None:
        """Write file ``name`` of the files folder, confined as ``read_file`` is, atomically: it holds the
        old or the new content, never a mix."""
        ...

    # ---- certificate files of the appliance
    def store_certificate(self, name: str, cert_pem: bytes, key_pem: bytes, password: bytes | None) -> tuple[str, str]:
        """Check the pair and keep it as ``<name>.crt``/``<name>.key``; the two file names."""
        ...

    def certificate_pem(self, name: str) -> bytes:
        """The stored certificate of local certificate ``name`` (PEM)."""
        ...

    def regenerate_factory_certificate(self) -> list[str]:
        """New key and certificate for ``Factory``, served at once; lines for the operator."""
        ...

    # ---- the network, as the box's own diagnostics see it (probes go out of this host)
    def ping(self, host: str, version: int, options: PingOptions) -> PingRun:
        """ICMP echo to ``host`` (4: IPv4, 6: IPv6) with the session's options; ``OSError`` with one
        line (``strerror``) when the name does not resolve or the host grants no ICMP socket."""
        ...

    def traceroute(self, host: str) -> TraceRun: ...

    def lookup(self, name: str) -> tuple[str, list[str]]:
        """``nslookup``: (name, addresses) of a host name, or (its name, [address]) for an address."""
        ...

    # ---- the clock, the power switch
    def clock(self) -> float:
        """The appliance's time (seconds since the epoch): the host's plus the offset ``execute date`` set."""
        ...

    def set_clock(self, when: float) -> None: ...

    def reboot(self) -> list[str]:
        """Stop serving and start again on the saved configuration; lines for the operator."""
        ...

    def shutdown(self) -> None:
        """Stop the data plane for good (the console then ends)."""
        ...

    # ---- live tables
    def persistence(self) -> Sequence[PersistenceRow] | None:
        """Every live persistence entry; None when the data plane is not running."""
        ...

    def clear_persistence(self, vs_names: Sequence[str]) -> int:
        """Empty the persistence tables (of these virtual servers; all when empty); entries removed."""
        ...

    def close_sessions(self, session_ids: Sequence[int]) -> int:
        """Close these live client sessions (``session clear``); how many were closed."""
        ...
