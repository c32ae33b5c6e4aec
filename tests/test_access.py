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
    r = viewer.execute("edit rs1")  # read access never makes an entry
    assert r.failed and "Return code is -37" in r.error
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


def test_read_access_looks_inside_entries_and_none_areas_are_invisible() -> None:
    """CLI744 p. 403: read is view access (get, show, and config/edit of what exists to look at it),
    read-write makes changes, none shows nothing: refused with -37 and left out of ?, Tab and show."""
    app = Appliance()
    admin = app.session()
    ok(admin, "config load-balance real-server", "edit rs1", "set ip 10.0.0.1", "next", "end",
       "config load-balance pool", "edit p1", "config pool_member", "edit 1", "set real-server rs1", "next",
       "end", "next", "end",
       "config system accprofile", "edit lbview", "set load-balance read", "set system read-write", "next", "end")
    s = app.session()
    s.ctx.access = profile_access(app.schema, app.store.tree, "lbview")
    assert s.prompt == "FortiADC-VM # "  # system is read-write: not a read-only session
    # read: config and edit of an existing entry to look, get/show inside, end saves nothing
    ok(s, "config load-balance pool", "edit p1")
    assert s.prompt == "FortiADC-VM (p1) # "
    assert "pool_member" in ok(s, "show")
    ok(s, "config pool_member", "edit 1")
    assert "rs1" in ok(s, "get")
    for change in ("set weight 5", "unset weight"):
        r = s.execute(change)
        assert r.failed and "Return code is -37" in r.error, change
    ok(s, "next", "end", "next", "end")
    for change in ("edit p2", "delete p1"):
        ok(s, "config load-balance pool")
        r = s.execute(change)
        assert r.failed and "Return code is -37" in r.error, change
        s.execute("end")
    ok(s, "config system global", "end")  # a single object looked at and left unchanged
    assert app.store.tree.nodes[("load-balance", "pool")].get("p1") is not None
    # none: every other area (router, firewall, log, security, global-load-balance incl. global-dns-server)
    for line in ("config router static", "get router static", "show router static", "show firewall policy",
                 "config global-dns-server general", "get log setting local", "show full-configuration log setting local"):
        r = s.execute(line)
        assert r.failed and "Return code is -37" in r.error, line
    whole = ok(s, "show full-configuration")
    assert "config load-balance pool" in whole and "config system global" in whole
    assert "config router" not in whole and "config global-dns-server" not in whole and "config log" not in whole
    listed = s.help("config ")
    assert "load-balance" in listed and "system" in listed
    assert "router" not in listed and "global-dns-server" not in listed and "firewall " not in listed
    assert [c.word for c in s.complete("config rou")] == []
    assert [c.word for c in s.complete("config load-b")] == ["load-balance"]
    r = s.execute("execute backup config disk b.conf")  # a backup holds every area
    assert r.failed and "Return code is -37" in r.error
    # the super admin still sees everything
    assert "config router" in ok(admin, "show full-configuration")


def test_grep_filter_as_netmiko_sends_it() -> None:
    """netmiko's fortinet driver sends `get system status | grep ...`: the engine's filter answers it."""
    s = Appliance().session()
    out = ok(s, "get system status | grep -i version")
    assert out and all("version" in line.lower() for line in out.splitlines())
    assert "Hostname" not in out
    assert "Hostname" in ok(s, 'get system status | grep -v "no such words"')
    for bad in ("get system status | sort", "get system status | grep"):
        assert s.execute(bad).failed
