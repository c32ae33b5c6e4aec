"""Access profiles in the engine: read-only sessions, areas, the $ prompt; the | grep filter."""
from __future__ import annotations

import pytest

from adc.appliance import Appliance
from adc.engine.access import FULL, profile_access
from adc.engine.pipe import split_filter
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


def test_grep_filter() -> None:
    line, f = split_filter("get system status | grep -i version")
    assert line.strip() == "get system status" and f is not None
    assert f.apply("Version: 7\nHostname: x\nBootloader Version: n/a\n") == "Version: 7\nBootloader Version: n/a\n"
    line, f = split_filter('show "a|b" | grep -v "x y"')
    assert line == 'show "a|b" ' and f is not None and f.apply("x y\nz\n") == "z\n"
    assert split_filter("get system global") == ("get system global", None)
    for bad in ("get x | sort", "get x | grep", "get x | grep -z a", "get x | grep ("):
        with pytest.raises(CommandFail):
            split_filter(bad)
