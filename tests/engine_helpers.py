"""Shared pieces for the command-engine tests: a fresh session, a script runner that keeps the errors,
and the small configuration most of them start from.

``ok`` (run lines, fail the test on any error) is ``dataplane_helpers.run``, re-exported here so the
engine tests need one import.
"""
from __future__ import annotations

from adc.appliance import Appliance
from adc.engine.session import Session

from .dataplane_helpers import run as ok

__all__ = ["BASE", "new_session", "ok", "run", "vs"]


def new_session() -> Session:
    """A session on a factory-fresh, in-memory appliance that serves nothing."""
    return Appliance(None).session()


def run(s: Session, script: str) -> str:
    """Run lines; return everything printed (output and errors), as a console shows it."""
    out = []
    for line in script.strip().splitlines():
        r = s.execute(line)
        out.append(r.output + r.error)
    return "".join(out)


# Two real servers and a pool holding both (members 1 and 2, port 80).
BASE = """
config load-balance real-server
edit rs1
set ip 10.0.1.11
next
edit rs2
set ip 10.0.1.12
end
config load-balance pool
edit web_pool
config pool_member
edit 1
set real-server rs1
next
edit 2
set real-server rs2
next
end
next
end
"""


def vs(name: str = "vs1", ip: str = "10.9.9.9", port: str = "80", extra: str = "") -> str:
    """A layer 7 HTTP virtual server on ``web_pool`` (``extra``: more lines inside the entry)."""
    return f"""
config load-balance virtual-server
edit {name}
set type l7-load-balance
set ip {ip}
set port {port}
set load-balance-profile LB_PROF_HTTP
set load-balance-method LB_METHOD_ROUND_ROBIN
set load-balance-pool web_pool
{extra}
end
"""
