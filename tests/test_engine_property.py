"""Property tests: random command sequences never break the engine, and ``show`` always round-trips."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from adc.appliance import Appliance
from adc.engine.script import run_lines
from adc.schema import SCHEMA
from adc.schema.model import Attr, Table

NAMES = ["a", "b", "vs1", "web_pool", "rs1", "x y", "LB_PROF_HTTP", "1", "2", "port1", "LB_HLTHCK_HTTP",
         "High-Level-Security", "deny", "LB_CONNECTION_POOL_DEFAULT", "super_admin_prof", "LB_PERSIS_SRC_ADDR"]
# The predefined entries of every table, by dotted path: what references anywhere in the tree may name.
PREDEFINED: dict[str, list[str]] = {}
for _f in SCHEMA.factory:
    if _f.key is not None:
        PREDEFINED.setdefault(".".join(_f.path), []).append(_f.key)
TABLE_PATHS = [" ".join(t.path) for t in SCHEMA.tables]
ALL_ATTRS: list[Attr] = []
NESTED: list[str] = []  # the names of every nested table, at any depth


def _collect(table: Table) -> None:
    for item in table.items:
        if isinstance(item, Attr):
            ALL_ATTRS.append(item)
        else:
            NESTED.append(item.name)
            _collect(item)


for _t in SCHEMA.tables:
    _collect(_t)
NESTED = sorted(set(NESTED))


def _value_for(attr: Attr) -> st.SearchStrategy[str]:
    choices: list[st.SearchStrategy[str]] = [st.sampled_from(NAMES), st.text(max_size=6)]
    if attr.options:
        choices.append(st.sampled_from(attr.option_names))
    if attr.range:
        lo, hi = attr.range
        choices.append(st.integers(lo - 1, hi + 1).map(str))
    if attr.kind.startswith("ip"):
        choices.append(st.sampled_from(["10.0.0.1", "10.0.0.2", "192.168.1.0/24", "::1", "300.1.1.1"]))
    if attr.ref and attr.ref in PREDEFINED:
        choices.append(st.sampled_from(PREDEFINED[attr.ref]))
    if attr.kind == "portlist":
        choices.append(st.sampled_from(["80", "443", "8000-8010", "0", "80 443"]))
    return st.one_of(choices)


@st.composite
def set_line(draw: st.DrawFn) -> str:
    attr = draw(st.sampled_from(ALL_ATTRS))
    values = draw(st.lists(_value_for(attr), min_size=0, max_size=3 if attr.multi else 1))
    quoted = " ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return f"set {attr.name} {quoted}"


@st.composite
def block(draw: st.DrawFn) -> list[str]:
    """A plausible config block: one table, one entry, a few sets of its own attributes, a commit."""
    table = draw(st.sampled_from(SCHEMA.tables))
    out = [f"config {' '.join(table.path)}"]
    if table.kind == "table":
        out.append(f'edit "{draw(st.sampled_from(NAMES))}"')
    attrs = table.attrs
    for attr in draw(st.lists(st.sampled_from(attrs), max_size=6)) if attrs else []:
        values = draw(st.lists(_value_for(attr), min_size=1, max_size=3 if attr.multi else 1))
        out.append(f"set {attr.name} " + " ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values))
    out += _children(draw, table)
    out.append(draw(st.sampled_from(["next", "end", "abort"])))
    out.append("end")
    return out


def _children(draw: st.DrawFn, table: Table) -> list[str]:
    """Entries of some of ``table``'s nested tables, at any depth, with a few values each."""
    out: list[str] = []
    kids = table.children
    for child in draw(st.lists(st.sampled_from(kids), max_size=2, unique_by=lambda t: t.name)) if kids else []:
        out.append(f"config {child.name}")
        if child.kind == "table":
            out.append(f"edit {draw(st.sampled_from(['1', '2'])) if child.key == 'integer' else 'e1'}")
        for attr in draw(st.lists(st.sampled_from(child.attrs), max_size=3)) if child.attrs else []:
            out.append(f"set {attr.name} {draw(_value_for(attr))!s}".replace("?", ""))
        out += _children(draw, child)
        out += ["next", "end"] if child.kind == "table" else ["end"]
    return out


@st.composite
def good_block(draw: st.DrawFn) -> list[str]:
    """Blocks that usually commit, with drawn names, addresses, ports and types."""
    name = draw(st.sampled_from(NAMES))
    n = draw(st.integers(1, 250))
    kind = draw(st.sampled_from(["rs", "pool", "vs", "hc", "profile", "global", "iface"]))
    if kind == "rs":
        return ["config load-balance real-server", f'edit "{name}"', f"set ip 10.0.0.{n}", "end"]
    if kind == "pool":
        rs = draw(st.sampled_from(NAMES))
        return ["config load-balance pool", f'edit "{name}"', "config pool_member", f"edit {n}",
                f'set real-server "{rs}"', f"set pool_member_weight {n}", "next", "end",
                f"set health-check-relation {draw(st.sampled_from(['AND', 'OR']))}", "end"]
    if kind == "vs":
        pool = draw(st.sampled_from(NAMES))
        prof = draw(st.sampled_from(["LB_PROF_HTTP", "LB_PROF_TCP", "LB_PROF_L7_TCP"]))
        vtype = "l4-load-balance" if prof == "LB_PROF_TCP" else "l7-load-balance"
        return ["config load-balance virtual-server", f'edit "{name}"', f"set type {vtype}",
                f"set ip 172.16.0.{n}", f"set port {draw(st.sampled_from(['80', '443 8443', '9000-9010']))}",
                f"set load-balance-profile {prof}", "set load-balance-method LB_METHOD_ROUND_ROBIN",
                f'set load-balance-pool "{pool}"', f'set comments "{draw(st.text(alphabet="ab c", max_size=5))}"', "end"]
    if kind == "hc":
        return ["config system health-check", f'edit "{name}"', f"set type {draw(st.sampled_from(['tcp', 'http', 'icmp']))}",
                f"set interval {n % 100 + 5}", "set timeout 3", "end"]
    if kind == "profile":
        ptype = draw(st.sampled_from(["http", "tcp", "udp", "https", "l7-tcp"]))
        return ["config load-balance profile", f'edit "{name}"', f"set type {ptype}", "end"]
    if kind == "global":
        return ["config system global", f"set hostname h{n}", f"set admin-idle-timeout {n}", "end"]
    return ["config system interface", f"edit port{n % 10 + 1}", f"set ip 192.168.{n}.1/24",
            "set allowaccess https ssh", "end"]


LINE = st.one_of(
    st.sampled_from(TABLE_PATHS).map(lambda p: f"config {p}"),
    st.sampled_from(NESTED).map(lambda c: f"config {c}"),
    st.sampled_from(NAMES).map(lambda n: f'edit "{n}"'),
    st.sampled_from(NAMES).map(lambda n: f'delete "{n}"'),
    set_line(),
    st.sampled_from(ALL_ATTRS).map(lambda a: f"unset {a.name}"),
    st.sampled_from(["next", "end", "abort", "get", "show", "show full", "purge", "y", "n", "?", "set ?", "exit"]),
    st.text(max_size=12),
)


SEQUENCES = st.lists(st.one_of(LINE.map(lambda l: [l]), block(), good_block(), good_block()),
                     max_size=25).map(lambda ls: [l for b in ls for l in b])


def close_all(session) -> None:
    for _ in range(20):
        if not session.frames:
            return
        session.execute("abort")


def round_trip(lines: list[str], full: bool = False) -> int:
    """Run ``lines``; the engine never raises and what ``show`` prints replays to the same config
    (with ``full``, what ``show full-configuration`` prints too: predefined entries and ``unset`` lines).
    Returns how many lines ``show`` printed (how much config the sequence made)."""
    app = Appliance(None)
    session = app.session()
    for line in lines:
        reply = session.execute(line)
        assert isinstance(reply.output, str) and isinstance(reply.error, str)
        session.help(line)
        session.complete(line)
        if reply.exit:
            break
    if session.prompt.startswith("Do you"):
        session.execute("n")
    close_all(session)
    shown = session.show_all()
    fresh = Appliance(None).session()
    bad = [(r.lineno, r.line, r.reply.error) for r in run_lines(fresh, shown) if r.reply.failed]
    assert not bad
    assert fresh.show_all() == shown
    assert fresh.show_all(full=True) == session.show_all(full=True)
    if full:
        everything = session.show_all(full=True)
        again = Appliance(None).session()
        bad = [(r.lineno, r.line, r.reply.error) for r in run_lines(again, everything) if r.reply.failed]
        assert not bad
        assert again.show_all(full=True) == everything
    return len(shown)


def test_random_sequences_never_raise_and_show_round_trips() -> None:
    """The property, and a guard against a vacuous one: the generated sequences must produce
    non-trivial configs (measured on this very run, so no other test's order matters)."""
    committed: list[int] = []

    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(SEQUENCES)
    def prop(lines: list[str]) -> None:
        committed.append(round_trip(lines, full=len(committed) % 25 == 0))

    prop()
    factory = len(Appliance(None).session().show_all())
    assert committed, "the property ran"
    assert sum(1 for n in committed if n > factory) >= 30
