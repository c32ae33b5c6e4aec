"""Access profiles in the engine: read-only sessions, areas, the $ prompt; the | grep filter."""
from __future__ import annotations


from adc.appliance import Appliance
from adc.engine.access import FULL, profile_access
from adc.errors import CommandFail


def ok(s, *lines: str) -> str:  # type: ignore[no-untyped-def]
    out = []
    for line in lines:
        r = s.execute(line)
        assert not r.failed, (line, r.error)
        out.append(r.output)
    return "".join(out)


def test_profiles_give_areas_and_read_only_sessions_cannot_change_anything() -> None:
    app = Appliance()
    admin = app.session()
    ok(admin, "config system accprofile", "edit viewer", "set system read", "set load-balance read", "next",
       "edit lb", "set load-balance read-write", "set system read", "next", "end")
    assert profile_access(app.schema, app.store.tree, "super_admin_prof") is FULL
    viewer = app.session()
    viewer.ctx.access = profile_access(app.schema, app.store.tree, "viewer")
    assert viewer.prompt == "FortiADC-VM $ "
    assert "hostname" in ok(viewer, "get system global") and ok(viewer, "show system global")
    ok(viewer, "config system global")
    assert viewer.prompt == "FortiADC-VM (global) $ "
    r = viewer.execute("set hostname X")
    assert r.failed and "Return code is -37" in r.error
    viewer.execute("end")
    ok(viewer, "config load-balance real-server")
    assert viewer.execute("edit rs1").failed
    viewer.execute("end")
    assert viewer.execute("execute factoryreset").output
    assert "-37" in viewer.execute("y").error
    # an area read-write, another read
    lb = app.session()
    lb.ctx.access = profile_access(app.schema, app.store.tree, "lb")
    assert lb.prompt == "FortiADC-VM # "
    ok(lb, "config load-balance real-server", "edit rs1", "set ip 10.0.0.1", "next", "end")
    ok(lb, "config system global")
    assert lb.execute("set hostname X").failed
    assert profile_access(app.schema, app.store.tree, "nosuch").read_only  # a missing profile gives nothing


def test_grep_filter_as_netmiko_sends_it() -> None:
    """netmiko's fortinet driver sends `get system status | grep ...`: the engine's filter answers it."""
    s = Appliance().session()
    out = ok(s, "get system status | grep -i version")
    assert out and all("version" in line.lower() for line in out.splitlines())
    assert "Hostname" not in out
    assert "Hostname" in ok(s, 'get system status | grep -v "no such words"')
    for bad in ("get system status | sort", "get system status | grep"):
        assert s.execute(bad).failed
