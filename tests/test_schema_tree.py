"""The whole schema tree (issue 9): every table of the CLI Reference is there, round-trips through
``show``, answers ``?`` and Tab with its help texts, and its references are real.

Real engine, no mocks: every entry is made by typing commands into a session of an in-memory appliance.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from adc.appliance import Appliance
from adc.config.factory import factory_tree
from adc.config.persist import DataDir
from adc.config.tree import Entry, TableData
from adc.config.values import hint
from adc.engine.frames import EntryFrame, OpaqueFrame
from adc.engine.opaque_verbs import NOT_DESCRIBED
from adc.engine.script import run_lines
from adc.engine.session import Session
from adc.schema import BUILT, HAND, SCHEMA, corrections, generated
from adc.schema.model import Attr, Table
from adc.schema.reference import Reference, load, parse

from .backup_gen import OPAQUE_BLOCK
from .engine_helpers import new_session


def walk(t: Table) -> Iterator[Table]:
    yield t
    for c in t.children:
        yield from walk(c)


EVERY = [t for top in SCHEMA.tables for t in walk(top)]


# ---------------------------------------------------------------------------------------- coverage
def test_every_table_of_the_reference_is_in_the_schema() -> None:
    ref = load()
    paths = {t.path for t in EVERY}
    skipped = {tuple(d.split(".")) for d in corrections.SKIP}
    missing = [".".join(r.path) for r in ref.every() if r.path not in paths and r.path not in skipped]
    assert not missing
    assert len(SCHEMA.tables) > 200 and len(EVERY) > 320
    for path in [("security", "waf", "profile"), ("load-balance", "connection-pool"), ("system", "ha"),
                 ("router", "ospf"), ("global-load-balance", "servers"), ("global-load-balance", "host"),
                 ("global-dns-server", "zone"), ("link-load-balance", "gateway"), ("firewall", "policy"),
                 ("log", "setting", "local"), ("user", "ldap"), ("endpoint-control", "fctems"),
                 ("system", "vdom"), ("config", "sync-list")]:
        assert SCHEMA.table(path) is not None, path


def test_generated_attributes_carry_the_reference() -> None:
    """Kinds, ranges, defaults, options with their help, references: read from the extraction."""
    ha = SCHEMA.by_dotted["system.ha"]
    prio = next(a for a in ha.attrs if a.name == "priority")
    assert (prio.kind, prio.range, prio.default) == ("integer", (0, 9), "5")
    assert not any(a.when for a in ha.attrs if a.name in ("mode", "arps"))  # the misread condition is gone
    hbdev = next(a for a in ha.attrs if a.name == "hbdev")
    assert (hbdev.kind, hbdev.ref) == ("ref", "system.interface")  # resolved by hand
    pool = SCHEMA.by_dotted["load-balance.connection-pool"]
    # in the order its transcript's get prints (p. 144), not the syntax block's (age, reuse, size, timeout)
    assert [(a.name, a.default) for a in pool.attrs] == [("size", "10000"), ("age", "86400"), ("reuse", "10000"),
                                                         ("timeout", "50")]
    waf = SCHEMA.by_dotted["security.waf.profile"]
    assert next(a for a in waf.attrs if a.name == "exception").ref == "security.waf.exception"
    mode = next(a for a in SCHEMA.by_dotted["global-load-balance.servers"].attrs if a.name == "server-type")
    assert mode.kind == "option" and all(o.help for o in mode.options)
    area = SCHEMA.find("router.ospf.area")
    assert area.key == "name" and area.node_id >= generated.FIRST_NODE_ID
    assert SCHEMA.by_dotted["global-dns-server.address-group"].node_id == 2206  # from the transcript
    assert SCHEMA.find("global-dns-server.address-group.member").node_id == 2209


def test_references_of_hand_tables_to_added_tables() -> None:
    vs = SCHEMA.by_dotted["load-balance.virtual-server"]
    refs = {a.name: a.ref for a in vs.attrs if a.kind == "ref"}
    assert refs["waf-profile"] == "security.waf.profile"
    assert refs["connection-pool"] == "load-balance.connection-pool"
    assert refs["error-page"] == "load-balance.error-page"
    assert refs["av-profile"] == "security.antivirus.profile"


def test_notes_record_what_the_rules_decided() -> None:
    whats = {n.what for n in BUILT.notes}
    assert "placeholder typed by hand" in whats and "default dropped" in whats
    assert not [n for n in BUILT.notes if n.what == "reference cycle broken, read as text"]


def test_hand_tables_keep_their_relative_order() -> None:
    order = [t.dotted for t in SCHEMA.tables]
    hand = [t.dotted for t in HAND]
    assert [d for d in order if d in hand] == hand
    assert order[0] == "system.global"


# ---------------------------------------------------------------------------------------- references
@pytest.mark.parametrize("path,attr,target,prep", [
    ("load-balance virtual-server", "waf-profile", "security waf profile", "set type l7-load-balance"),
    ("load-balance virtual-server", "connection-pool", "load-balance connection-pool", "set type l7-load-balance"),
    ("load-balance virtual-server", "error-page", "load-balance error-page", "set type l7-load-balance"),
    ("load-balance content-routing", "connection-pool", "load-balance connection-pool", ""),
    ("system ha", "hbdev", "system interface", ""),
    ("security waf profile", "exception", "security waf exception", ""),
    ("system admin", "access-profile", "system accprofile", ""),
    # found in the reference under another name (issue 9 point 4): schema files, imported IdP metadata
    ("security waf json-validation-detection", "json-schema-id", "security waf json-schema-file", ""),
    ("security waf xml-validation-detection", "xml-schema-id", "security waf xml-schema-file", ""),
    ("user saml-sp", "idp-metadata", "user saml-idp", ""),
])
def test_a_missing_target_is_refused_and_question_mark_lists_candidates(path: str, attr: str, target: str,
                                                                          prep: str) -> None:
    s = new_session()
    t = SCHEMA.table(tuple(target.split()))
    assert t is not None
    if t.kind == "table" and target != "system interface":
        r = s.execute(f"config {target}")
        assert not r.failed
        for line in ("edit made1", "next", "end"):
            assert not s.execute(line).failed, line
    assert not s.execute(f"config {path}").failed
    if SCHEMA.table(tuple(path.split())).kind == "table":  # type: ignore[union-attr]
        assert not s.execute("edit x").failed
    if prep:
        assert not s.execute(prep).failed
    r = s.execute(f"set {attr} nosuch")
    assert r.failed and "Return code is -13" in r.error, r.error
    listed = s.help(f"set {attr} ")
    want = "port1" if target == "system interface" else "made1"
    assert want in listed.split(), listed
    if target == "security waf profile":
        assert "High-Level-Security" in listed.split()  # predefined entries are candidates too
    assert any(c.word == want for c in s.complete(f"set {attr} "))
    assert not s.execute(f"set {attr} {want}").failed


# ---------------------------------------------------------------------------------------- ? and Tab
def chains(t: Table, above: tuple[Table, ...] = ()) -> Iterator[tuple[Table, ...]]:
    """Every table as the chain of tables from its top-level table down to it."""
    here = above + (t,)
    yield here
    for c in t.children:
        yield from chains(c, here)


CHAINS = [c for top in SCHEMA.tables for c in chains(top)]


def key_of(t: Table) -> str:
    return "1" if t.key == "integer" else "e1"


def enter(chain: tuple[Table, ...], keys: tuple[str, ...] | None = None) -> list[str]:
    """The commands that open the entry at the end of ``chain`` (a single object: the object)."""
    lines = []
    for i, t in enumerate(chain):
        lines.append(f"config {' '.join(t.path)}" if i == 0 else f"config {t.name}")
        if t.kind == "table":
            lines.append(f"edit {keys[i] if keys else key_of(t)}")
    return lines


def leave(chain: tuple[Table, ...]) -> list[str]:
    """The commands that save and leave it again."""
    return [line for t in reversed(chain) for line in (["next", "end"] if t.kind == "table" else ["end"])]


def run(s: Session, lines: list[str]) -> bool:
    """Run lines until one fails; after a failure, leave every frame without saving."""
    for line in lines:
        if s.execute(line).failed:
            close(s)
            return False
    return True


def close(s: Session) -> None:
    while s.ctx.frames:
        s.execute("abort")


def test_question_mark_and_tab_in_every_table() -> None:
    s = new_session()
    reached = 0
    for chain in CHAINS:
        t = chain[-1]
        if not run(s, enter(chain)):
            continue  # a nested table whose parent's condition does not hold by default
        frame = s.ctx.frame
        if t.opaque:  # attributes not described by the reference: one line says so, Tab offers nothing yet
            assert isinstance(frame, OpaqueFrame) and frame.table is t, t.dotted
            assert s.help("set ").splitlines() == [f"<name> {NOT_DESCRIBED.format(t.dotted)}"], t.dotted
            assert s.complete("set ") == [], t.dotted
            reached += 1
            close(s)
            continue
        if not isinstance(frame, EntryFrame) or frame.table is not t:
            close(s)
            continue
        reached += 1
        listed = s.help("set ")
        rows = {}
        for line in listed.splitlines():
            word, _, help_ = line.partition(" ")
            rows[word.lstrip("*")] = help_.strip()
        for a in s.view.attrs(t, frame.work):
            if a.readonly:
                continue
            assert rows.get(a.name) == a.help, (t.dotted, a.name, listed)
            values = s.help(f"set {a.name} ")
            if a.kind == "option":
                assert all(o.name in values.split() for o in a.options), (t.dotted, a.name)
            elif a.kind != "ref":
                assert hint(a) in values, (t.dotted, a.name, values)
        words = {c.word for c in s.complete("set ")}
        assert words == {a.name for a in s.view.attrs(t, frame.work) if not a.readonly}, t.dotted
        listed_kids = s.help("config ")
        kids = [line.split()[0] for line in listed_kids.splitlines() if line.strip()]
        expected = [c.name for c in s.view.children(t, frame.work)]
        assert kids == expected or (not expected and listed_kids == "command parse error\n"), t.dotted
        close(s)
    assert reached >= len(SCHEMA.tables) + 100  # every top-level table and most nested ones


# ---------------------------------------------------------------------------------------- round trip
SAMPLES = {"ipv4": "10.1.2.3", "ipv6": "2001:db8::7", "ipv4mask": "10.1.2.0/24", "ipv6mask": "2001:db8::/64",
           "portlist": "8080", "password": "pw1", "passhash": "pw1"}


def _candidates(s: Session, a: Attr, t: Table, work: Entry) -> list[str]:
    """Values to try for ``a`` in the entry ``work`` of ``t``, the most telling first: an option that
    keeps the most attributes in force (then one that is not the default), a number inside the range
    other than the default, an entry made here in the referenced table (else a predefined one)."""
    if (t.dotted, a.name) == ("system.global", "vdom-admin"):
        return ["disable"]  # VDOM mode puts the CLI in wrappers: test_backup_restore's VDOM tests cover it
    if a.kind == "option":
        default = a.default.split()
        names = [n for n in a.option_names if n not in default] or list(a.option_names)
        if a.multi:
            return [" ".join(names[:2])] + names

        def in_force(n: str) -> int:
            trial = work.copy()
            trial.values[a.name] = n
            return len(s.view.attrs(t, trial)) + len(s.view.children(t, trial))

        return sorted(a.option_names, key=lambda n: (-in_force(n), n in default))
    if a.kind == "integer":
        assert a.range is not None
        lo, hi = a.range
        picks = [lo + 1, hi, lo]
        return [str(n) for n in picks if lo <= n <= hi and str(n) != a.default] or [str(lo)]
    if a.kind == "ref":
        target = SCHEMA.by_dotted.get(a.ref or "")
        node = s.store.tree.nodes.get(target.path) if target is not None else None
        if not isinstance(node, TableData):
            return []
        keys = [e.key or "" for e in node]
        ours = [k for k in keys if k in ("e1", "1", "port2")]
        return ours + [k for k in keys if k not in ours][:3]
    if a.kind == "string":
        return ["s1" if a.maxlen >= 2 else "s"]
    if a.kind == "pattern":
        return ["^/p(.*)$"]
    return [SAMPLES[a.kind]]


@dataclass
class Filled:
    tried: set[tuple[str, str]] = field(default_factory=set)  # (table, attribute) a value was typed for
    set_ok: set[tuple[str, str]] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)  # tables whose entry could not be saved at all


def _quote(v: str) -> str:
    return " ".join(f'"{w}"' for w in v.split())


def _fill(s: Session, chain: tuple[Table, ...], out: Filled) -> None:
    """Give every attribute in force of the entry at the end of ``chain`` a value, one ``set`` and one
    commit at a time (a value a cross-object rule refuses costs only that value), in schema order, until
    no attribute in force is left untried; then the same for an entry of each nested table in force."""
    t = chain[-1]
    while True:
        if not run(s, enter(chain)):
            return
        frame = s.ctx.frame
        assert isinstance(frame, EntryFrame)
        todo = [a for a in s.view.attrs(t, frame.work) if not a.readonly and (t.dotted, a.name) not in out.tried]
        if not todo:
            kids = s.view.children(t, frame.work)
            close(s)
            break
        a = todo[0]
        out.tried.add((t.dotted, a.name))
        values = _candidates(s, a, t, frame.work)
        close(s)
        for value in values[:3]:
            if run(s, enter(chain) + [f"set {a.name} {_quote(value)}"] + leave(chain)):
                out.set_ok.add((t.dotted, a.name))
                break
    for c in kids:
        if run(s, enter(chain + (c,)) + leave(chain + (c,))):
            _fill(s, chain + (c,), out)


def _unset(s: Session) -> list[tuple[str, str]]:
    """(table, attribute) of every attribute in force in the saved tree that still holds its default."""
    out: list[tuple[str, str]] = []

    def entry(t: Table, e: Entry) -> None:
        for a in s.view.attrs(t, e):
            if not a.readonly and a.name not in e.values:
                out.append((t.dotted, a.name))
        for c in s.view.children(t, e):
            for sub in e.children.get(c.name, TableData()):
                entry(c, sub)

    for t in SCHEMA.tables:
        node = s.store.tree.nodes.get(t.path)
        for e in ([node] if isinstance(node, Entry) else list(node) if node is not None else []):
            if e.key in (None, "e1", "1"):  # the entries made here (not the factory's port2...)
                entry(t, e)
    return out


# What the first commit of a hand-written table needs beyond its required attributes (cross-object
# rules: a certificate group is never empty, a virtual server's profile suits its type).
SEEDS: dict[str, list[str]] = {
    "system.certificate.local_cert_group": ["config group_member", "edit 1", "set local-cert Factory", "next", "end"],
    "load-balance.virtual-server": ["set type l7-load-balance", "set addr-type ipv6", "set ip6 2001:db8::3",
                                    "set load-balance-profile LB_PROF_HTTP", "set load-balance-pool e1"],
}


def _build_everything() -> tuple[Session, Filled]:
    s = new_session()
    out = Filled()
    for t in SCHEMA.tables:
        if t.opaque:  # attributes not described by the reference: plausible lines, kept as typed
            assert run(s, enter((t,)) + [line.strip() for line in OPAQUE_BLOCK] + ["end"]), t.dotted
            continue
        if t.dotted in SEEDS:
            assert run(s, enter((t,)) + SEEDS[t.dotted] + leave((t,))), t.dotted
            out.set_ok |= {(t.dotted, line.split()[1]) for line in SEEDS[t.dotted] if line.startswith("set ")}
        elif not run(s, enter((t,)) + leave((t,))):
            # an entry that needs values at once: its required attributes first
            req = [f"set {a.name} {_quote(_candidates(s, a, t, Entry(None))[0])}" for a in t.attrs
                   if a.required and not a.when and _candidates(s, a, t, Entry(None))]
            if not run(s, enter((t,)) + req + leave((t,))):
                out.failed.append(t.dotted)
                continue
        _fill(s, (t,), out)
    return s, out


@pytest.fixture(scope="module")
def everything() -> tuple[Session, Filled]:
    return _build_everything()


def test_every_table_round_trips_through_show(everything: tuple[Session, Filled]) -> None:
    s, out = everything
    assert not out.failed, out.failed
    shown = s.show_all()
    fresh = Appliance(None).session()
    bad = [(r.lineno, r.line, r.reply.error) for r in run_lines(fresh, shown) if r.reply.failed]
    assert not bad, bad[:5]
    assert fresh.show_all() == shown
    assert fresh.show_all(full=True) == s.show_all(full=True)
    # every top-level table holds an entry (or its single object has values) in what was shown
    for t in SCHEMA.tables:
        assert f"config {' '.join(t.path)}" in shown


def test_no_secret_is_printed_in_clear(everything: tuple[Session, Filled]) -> None:
    """Every secret of the tree was set to "pw1"; ``show`` prints each as ``ENC <value>``, never the text."""
    s, out = everything
    secret = {(t, a) for t, a in out.set_ok if SCHEMA.find(t).attrs and any(
        x.name == a and x.kind in ("password", "passhash") for x in SCHEMA.find(t).attrs)}
    assert len(secret) >= 15  # admins, certificates, RADIUS/LDAP/TACACS+, BGP, OSPF, Azure...
    shown = s.show_all(full=True)
    assert not [line for line in shown if "pw1" in line]
    assert len([line for line in shown if " ENC " in line]) >= len(secret)


# Attributes of the hand-written tables this blind fill leaves at their default, and why.
HAND_UNSET = {
    ("load-balance.pool", "health-check-ctrl"): "enable needs a health-check-list in the same commit (-1554)",
}


def test_every_attribute_took_a_value(everything: tuple[Session, Filled]) -> None:
    """Every attribute in force in every saved entry holds a value that was typed (a valid one, drawn
    from its kind, options, range or reference candidates), except the listed few."""
    s, out = everything
    missed = [u for u in _unset(s) if u not in out.set_ok]  # (set_ok and unset: set to its default, which
    assert [u for u in missed if u not in HAND_UNSET] == []  # keeps the most attributes in force)
    assert out.tried - out.set_ok <= set(HAND_UNSET)
    assert len(out.set_ok) > 1600


# ---------------------------------------------------------------------------------------- the builder
def _attr(name: str, type_: str = "string", placeholder: str = "<string>", **kw: object) -> dict[str, object]:
    return {"name": name, "page": 9, "syntax": f"set {name} {placeholder}", "type": type_,
            "placeholder": placeholder, "options": [], "multi": False, "help": f"{name} help", "descriptions": [],
            **kw}


def _table(path: str, attrs: list[dict[str, object]], **kw: object) -> dict[str, object]:
    return {"path": path.split(), "page": 9, "kind": "table", "key": "name", "help": f"Use this command to "
            f"configure the {path.split()[-1]} things.", "section": "config " + path, "section_page": 9,
            "attrs": attrs, "tables": [], **kw}


def _mini(*tables: dict[str, object]) -> Reference:
    return parse({"format": 1, "source": "test", "summary": {}, "problems": [], "tables": list(tables)})


def test_the_builder_rules_on_a_small_reference() -> None:
    ref = _mini(
        _table("x one", [
            _attr("n", "integer", "<integer>", default="7"),  # no range stated
            _attr("lim", "integer", "<integer>", default="0", range=[1, 100]),  # "0 = off" below the range
            _attr("bad", "integer", "<integer>", default="-1", range=[0, 9]),
            _attr("mode", "option", "{a|b}", options=["a", "b"], default="b"),
            _attr("x", "string", when={"mode": ["a"], "nosuch": ["z"]}),
            _attr("y", "string", when={"mode": ["c"]}),  # a value mode cannot take
            _attr("p", "datasource", "<datasource>", ref="x two"),
            _attr("q", "datasource", "<datasource>", ref="not modelled"),
            _attr("u", "raw", "<port number>"),  # corrections.PLACEHOLDERS
            _attr("api-secret", "raw", "<whatever>"),
            _attr("c1", "string", when={"c2": ["v"]}),
            _attr("c2", "string", when={"c1": ["v"]}),  # a cycle
            _attr("mode", "string"),  # a second definition without a condition
            _attr("two words", "string"),
        ], node_id=4242),
        _table("x two", [_attr("z")], node_id=4242),  # an id already taken: allocated instead
    )
    built = generated.with_node_ids(generated.build(ref, ()), ref, {1})
    one, two = built.tables
    a = {x.name: x for x in one.attrs}
    assert (a["n"].kind, a["n"].range, a["n"].default) == ("integer", generated.INT_RANGE, "7")
    assert (a["lim"].range, a["lim"].default) == ((0, 100), "0")
    assert a["bad"].default == ""
    assert a["x"].when == {"mode": ("a",)} and a["y"].when == {}
    assert (a["p"].kind, a["p"].ref) == ("ref", "x.two") and (a["q"].kind, a["q"].ref) == ("string", None)
    assert (a["u"].kind, a["u"].range) == ("integer", (1, 65535))
    assert a["api-secret"].kind == "password"
    assert not (a["c1"].when and a["c2"].when)
    assert [x.name for x in one.attrs].count("mode") == 1 and "two words" not in a
    assert one.help == "one things" and (one.node_id, two.node_id) == (4242, generated.FIRST_NODE_ID)
    whats = {(n.where, n.what) for n in built.notes}
    assert ("x.one.q", "reference read as text") in whats and ("x.one.bad", "default dropped") in whats
    assert ("x.two", "node id taken, another allocated") in whats
    # the order: what a table references comes first; hand-written tables keep their order
    order = generated.order((), built.tables, built.notes)
    assert [t.dotted for t in order] == ["x.two", "x.one"]


def test_a_reference_cycle_is_broken_with_a_note() -> None:
    ref = _mini(_table("y a", [_attr("to-b", "datasource", "<datasource>", ref="y b")]),
                _table("y b", [_attr("to-a", "datasource", "<datasource>", ref="y a")]))
    built = generated.build(ref, ())
    order = generated.order((), built.tables, built.notes)
    kinds = {t.dotted: t.attrs[0].kind for t in order}
    assert sorted(kinds.values()) == ["ref", "string"]
    assert any(n.what == "reference cycle broken, read as text" for n in built.notes)


def test_node_ids_follow_the_transcripts() -> None:
    """Where a transcript shows ``Add new entry 'x' for node N``, the table prints that N (hand-written
    tables included); the one exception is the health-check script table, whose transcript repeats the
    scripting table's 2800."""
    ref = load()
    for t in EVERY:
        r = ref.find(t.path)
        if r is not None and r.node_id is not None and t.dotted != "system.health-check-script":
            assert t.node_id == r.node_id, (t.dotted, t.node_id, r.node_id)
    ids = [t.node_id for t in EVERY]
    assert len(ids) == len(set(ids))


def test_a_data_directory_saved_before_the_tree_gains_the_new_predefined_objects(tmp_path: Path) -> None:
    """A configuration saved by an older adc lacks the reserved objects of the tables added since
    (``super_admin_prof`` above all, the default of every admin's access profile): they are added at
    start, and nothing else changes."""
    old = factory_tree(SCHEMA)
    old.nodes.pop(("system", "accprofile"))
    old.table(("security", "waf", "action")).remove("alert")
    old.table(("load-balance", "real-server")).put(Entry("rs9", {"ip": "10.0.0.9"}))
    d = DataDir(tmp_path, sync=False)
    d.load_or_init(lambda: old)
    d.close()
    app = Appliance(tmp_path)
    try:
        s = app.session()
        assert app.store.tree.table(("system", "accprofile")).get("super_admin_prof") is not None
        assert app.store.tree.table(("security", "waf", "action")).get("alert") is not None
        assert '  edit "rs9"' in s.show_all()
        assert run(s, ["config system admin", "edit a2", "set password x", "next", "end"])
        assert run(s, ["config security waf action", "edit mine", "next", "end"])
    finally:
        app.close()
