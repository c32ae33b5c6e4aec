"""``adc.config.values``: how each kind of value is parsed, canonicalised, printed and hinted."""
from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given, settings, strategies as st

from adc.config.values import (KINDS, MAX_ENTRY_NUMBER, XSS_CHARS, default_value, display, get_text, hint, is_raw, parse_key,
                               parse_value, port_ranges, port_set, port_text)
from adc.errors import AdcError, CommandFail, ValueParseError
from adc.config import secrets
from adc.schema import SCHEMA
from adc.schema.model import Attr, Kind, Table

VS = "load-balance.virtual-server"


def attr(dotted: str, name: str, index: int = 0) -> Attr:
    """The ``index``-th attribute called ``name`` of a real schema table."""
    return [a for a in SCHEMA.find(dotted).attrs if a.name == name][index]


def fails(a: Attr, words: list[str]) -> AdcError:
    with pytest.raises(AdcError) as info:
        parse_value(a, words)
    return info.value


def code_of(err: AdcError) -> int:
    assert isinstance(err, (CommandFail, ValueParseError))
    return err.code


# ------------------------------------------------------------------------------------------ the table
def test_every_kind_has_a_row() -> None:
    assert set(KINDS) == set(get_args(Kind))
    assert {k for k, v in KINDS.items() if v.line is not None} == {"portlist", "password", "passhash"}
    assert {k for k, v in KINDS.items() if v.word is not None} == set(KINDS) - {"portlist", "password", "passhash"}


def test_no_words_is_minus_56() -> None:
    err = fails(attr(VS, "port"), [])
    assert isinstance(err, CommandFail) and err.code == -56
    assert err.lines() == ["attribute 'port' needs a value", "Command fail. Return code is -56"]
    assert code_of(fails(attr(VS, "type"), [])) == -56


# ------------------------------------------------------------------------------------------ options
def test_options_exact_and_unique_prefix() -> None:
    vs_type = attr(VS, "type")
    assert parse_value(vs_type, ["l7-load-balance"]) == "l7-load-balance"
    assert parse_value(vs_type, ["l7"]) == "l7-load-balance"
    assert parse_value(vs_type, ["l2-"]) == "l2-load-balance"
    # an exact name wins over being the prefix of another (http / https)
    assert parse_value(attr("load-balance.profile", "type"), ["http"]) == "http"
    assert parse_value(attr("load-balance.profile", "type"), ["https"]) == "https"


@pytest.mark.parametrize("word", ["l", "l9", "L7-load-balance", ""])
def test_options_ambiguous_or_unknown_are_minus_61(word: str) -> None:
    err = fails(attr(VS, "type"), [word])
    assert isinstance(err, ValueParseError)
    assert (err.code, err.token, err.reason) == (-61, word, "")
    assert err.lines() == [f"value parse error before '{word}'", "Input is not as expected."]


def test_single_valued_refuses_a_second_word() -> None:
    err = fails(attr(VS, "type"), ["l4", "l7"])
    assert isinstance(err, ValueParseError) and (err.code, err.token) == (-61, "l7")
    err = fails(attr(VS, "comments"), ["two", "words"])
    assert isinstance(err, ValueParseError) and (err.code, err.token) == (-61, "words")


def test_multi_options_keep_order_and_drop_duplicates() -> None:
    allow = attr("system.interface", "allowaccess")
    assert parse_value(allow, ["ssh", "https", "ssh", "pi"]) == ("ssh", "https", "ping")
    assert parse_value(allow, ["ping"]) == ("ping",)
    err = fails(allow, ["ssh", "htt"])  # http and https
    assert isinstance(err, ValueParseError) and err.token == "htt"
    versions = attr("load-balance.client-ssl-profile", "ssl-allowed-versions")
    assert parse_value(versions, ["tlsv1.2", "tlsv1.1", "tlsv1.2"]) == ("tlsv1.2", "tlsv1.1")


# ------------------------------------------------------------------------------------------ integers
def test_integers_canonical_and_in_range() -> None:
    limit = attr(VS, "connection-limit")  # 0-1048576
    assert parse_value(limit, ["0"]) == "0"
    assert parse_value(limit, ["1048576"]) == "1048576"
    assert parse_value(limit, ["007"]) == "7"
    warm = attr(VS, "warm-up")  # 0-86400
    err = fails(warm, ["86401"])
    assert isinstance(err, CommandFail) and err.code == -12
    assert err.lines() == ["warm-up: value 86401 out of range 0-86400", "Command fail. Return code is -12"]
    rate = attr(VS, "warm-rate")  # 1-86400
    assert code_of(fails(rate, ["0"])) == -12
    assert parse_value(rate, ["1"]) == "1"


@pytest.mark.parametrize(("word", "token"), [("-1", "-"), ("1.5", "1"), ("x", "x"), ("", ""), ("\u0663", "\u0663"), ("0x10", "0")])
def test_integers_not_unsigned_are_minus_651(word: str, token: str) -> None:
    err = fails(attr(VS, "connection-limit"), [word])
    assert isinstance(err, ValueParseError)
    assert (err.code, err.token) == (-651, token)
    assert err.lines() == [f"invalid unsigned integer value :{word}:", f"value parse error before '{token}'",
                           "Input value is invalid."]


def test_multi_integers() -> None:
    protocols = attr(VS, "protocol-numbers")  # 0-255, multi
    assert parse_value(protocols, ["6", "17", "06"]) == ("6", "17")
    assert code_of(fails(protocols, ["6", "256"])) == -12


def test_integer_without_a_range() -> None:
    free = Attr("n", "integer", "a number")
    assert parse_value(free, ["99999999999"]) == "99999999999"


# ------------------------------------------------------------------------------------------ addresses
def test_ip_addresses_canonicalised() -> None:
    assert parse_value(attr(VS, "ip"), ["10.9.9.9"]) == "10.9.9.9"
    assert parse_value(attr(VS, "ip6"), ["2001:DB8:0:0::1"]) == "2001:db8::1"
    assert parse_value(attr(VS, "ip6"), ["::ffff:0:0"]) == "::ffff:0:0"
    iface_ip = attr("system.interface", "ip")  # ipv4mask
    assert parse_value(iface_ip, ["10.1.2.3/24"]) == "10.1.2.3/24"
    assert parse_value(iface_ip, ["10.1.2.3/255.255.255.0"]) == "10.1.2.3/24"
    assert parse_value(iface_ip, ["10.1.2.3"]) == "10.1.2.3/32"
    iface_ip6 = attr("system.interface", "ip6")  # ipv6mask
    assert parse_value(iface_ip6, ["2001:DB8::1/64"]) == "2001:db8::1/64"
    assert parse_value(iface_ip6, ["2001:db8::1"]) == "2001:db8::1/128"


@pytest.mark.parametrize(("dotted", "name", "word"), [
    (VS, "ip", "123"), (VS, "ip", "10.0.0.256"), (VS, "ip", "2001:db8::1"), (VS, "ip6", "10.0.0.1"),
    (VS, "ip6", "2001:db8::g"), ("system.interface", "ip", "10.0.0.1/33"), ("system.interface", "ip", "10.0.0.1/"),
    ("system.interface", "ip6", "::1/129"), ("system.interface", "ip6", "10.0.0.1/8"),
])
def test_bad_addresses_are_minus_39(dotted: str, name: str, word: str) -> None:
    err = fails(attr(dotted, name), [word])
    assert isinstance(err, CommandFail) and err.code == -39
    assert err.lines() == [f"invalid ip address/mask {word}.", "Command fail. Return code is -39"]


# ------------------------------------------------------------------------------------------ strings and refs
@pytest.mark.parametrize(("word", "token"), [("<script>", "<>"), ("a(b)", "()"), ("#1", "#"), ("it's", "'"),
                                             ('say "x"', '"'), ("<a href='x'>", "'<>")])
def test_xss_characters_are_minus_61(word: str, token: str) -> None:
    err = fails(attr(VS, "comments"), [word])
    assert isinstance(err, ValueParseError)
    assert (err.code, err.token, err.reason) == (-61, token, "The string contains XSS vulnerability characters")
    assert err.lines()[0] == "The string contains XSS vulnerability characters"
    assert XSS_CHARS == frozenset("<>()#'\"")


def test_string_length_counts_utf8_bytes() -> None:
    comments = attr(VS, "comments")  # maxlen 255
    assert parse_value(comments, ["x" * 255]) == "x" * 255
    err = fails(comments, ["x" * 256])
    assert isinstance(err, CommandFail) and err.code == -11
    assert err.lines() == ["comments: at most 255 characters", "Command fail. Return code is -11"]
    pool_cookie = attr("load-balance.pool.pool_member", "pool_member_cookie")  # maxlen 63
    assert parse_value(pool_cookie, ["\u00e9" * 31]) == "\u00e9" * 31  # 62 bytes
    assert code_of(fails(pool_cookie, ["\u00e9" * 32])) == -11  # 64 bytes
    assert parse_value(comments, ["two words"]) == "two words"
    assert parse_value(comments, [""]) == ""


def test_refs_accept_names_and_their_extra_literals() -> None:
    rs_ssl = attr("load-balance.pool", "real-server-ssl-profile")
    assert rs_ssl.ref_extra == ("NONE",)
    assert parse_value(rs_ssl, ["NONE"]) == "NONE"
    assert parse_value(rs_ssl, ["LB_RS_SSL_PROF_HIGH"]) == "LB_RS_SSL_PROF_HIGH"
    # existence is the caller's business (validate.check_refs): any well-formed name parses
    assert parse_value(attr(VS, "load-balance-pool"), ["no-such-pool"]) == "no-such-pool"
    assert code_of(fails(attr(VS, "load-balance-pool"), ["p<1>"])) == -61
    assert code_of(fails(attr(VS, "load-balance-pool"), ["p" * 64])) == -11


def test_multi_refs_and_max_items() -> None:
    hcs = attr("load-balance.pool", "health-check-list")
    assert parse_value(hcs, ["LB_HLTHCK_ICMP", "LB_HLTHCK_HTTP", "LB_HLTHCK_ICMP"]) == ("LB_HLTHCK_ICMP", "LB_HLTHCK_HTTP")
    mirror = attr(VS, "ssl-mirror-intf")  # max_items 4
    assert parse_value(mirror, ["port1", "port2", "port3", "port4"]) == ("port1", "port2", "port3", "port4")
    err = fails(mirror, ["port1", "port2", "port3", "port4", "port5"])
    assert isinstance(err, CommandFail) and err.code == -12
    assert err.lines() == ["ssl-mirror-intf: at most 4 values", "Command fail. Return code is -12"]


# ------------------------------------------------------------------------------------------ port lists
@pytest.mark.parametrize(("words", "stored"), [
    (["80"], "80"), (["80", "443"], "80 443"), (["8000-8080"], "8000-8080"), (["080", "0443-0444"], "80 443-444"),
    (["0"], "0"), (["65535"], "65535"), (["1-65535"], "1-65535"),
    ([f"{p}-{p + 1}" for p in range(1000, 1016, 2)], " ".join(f"{p}-{p + 1}" for p in range(1000, 1016, 2))),
])
def test_port_lists(words: list[str], stored: str) -> None:
    assert parse_value(attr(VS, "port"), words) == stored


@pytest.mark.parametrize(("words", "code", "reason"), [
    (["70000"], -4085, "port '70000' out of range"),
    (["80-70000"], -4085, "port '80-70000' out of range"),
    (["90-80"], -4085, "port '90-80' out of range"),
    (["http"], -4088, "port 'http' is not a number or a range A-B"),
    (["1-2-3"], -4088, "port '1-2-3' is not a number or a range A-B"),
    (["-5"], -4088, "port '-5' is not a number or a range A-B"),
    (["80-"], -4088, "port '80-' is not a number or a range A-B"),
    (["0", "80"], -4090, "port 0 cannot be combined with other ports"),
    (["80", "0"], -4090, "port 0 cannot be combined with other ports"),
    ([f"{p}-{p + 1}" for p in range(1000, 1018, 2)], -4084, "at most 8 port ranges"),
])
def test_port_list_errors(words: list[str], code: int, reason: str) -> None:
    err = fails(attr(VS, "port"), words)
    assert isinstance(err, CommandFail)
    assert (err.code, err.reason) == (code, reason)


def test_eight_ranges_and_any_number_of_single_ports() -> None:
    port = attr(VS, "port")
    singles = [str(p) for p in range(2000, 2020)]
    ranges = [f"{p}-{p + 1}" for p in range(1000, 1016, 2)]
    assert parse_value(port, ranges + singles) == " ".join(ranges + singles)


# ------------------------------------------------------------------------------------------ passwords
def test_admin_password_is_a_salted_hash_never_the_text() -> None:
    pw = attr("system.admin", "password")
    assert pw.kind == "passhash"
    stored = parse_value(pw, ["s3cret"])
    assert isinstance(stored, str) and "s3cret" not in stored and stored.startswith("SH2")
    assert stored != parse_value(pw, ["s3cret"])  # salted: the same password never gives the same text
    assert secrets.verify_password(stored, "s3cret") and not secrets.verify_password(stored, "s3creT")
    assert display(pw, stored) == "ENC " + stored and get_text(pw, stored) == "*"
    assert parse_value(pw, ["ENC", stored]) == stored  # a backup's value is taken as it is
    assert parse_value(pw, ["\u00e9t\u00e9"]) != "\u00e9t\u00e9"
    assert display(pw, "") == "" and get_text(pw, "") == ""
    assert secrets.verify_password("", "") and not secrets.verify_password("", "x")
    assert not secrets.verify_password("SH2cCB3", "p w")  # a foreign or broken hash matches nothing


def test_other_secrets_are_ciphertext_the_appliance_can_read_back() -> None:
    pw = attr("system.certificate.local", "password")
    assert pw.kind == "password"
    stored = parse_value(pw, ["p w#1"])
    assert isinstance(stored, str) and "p w" not in stored
    assert secrets.decrypt(stored) == "p w#1"
    assert display(pw, stored) == "ENC " + stored and get_text(pw, stored) == "*"
    assert parse_value(pw, display(pw, stored).split()) == stored
    assert parse_value(pw, ["ENC", "cCB3"]) == "cCB3" and secrets.decrypt("cCB3") is None  # foreign: kept, unreadable
    assert secrets.decrypt(parse_value(pw, ["ENC"])) == "ENC"  # one word: a password that happens to be ENC


@pytest.mark.parametrize(("words", "token"), [(["ENC", "!!"], "!!"), (["ENC", "a b"], "a b"), (["ENC", "#x"], "#x"), (["a", "b"], "b"),
                                              (["ENC", "cCB3", "x"], "cCB3")])
def test_bad_passwords_are_minus_61(words: list[str], token: str) -> None:
    err = fails(attr("system.admin", "password"), words)
    assert isinstance(err, ValueParseError) and (err.code, err.token) == (-61, token)


# ------------------------------------------------------------------------------------------ entry keys
def table(dotted: str) -> Table:
    return SCHEMA.find(dotted)


def test_integer_keys() -> None:
    members = table("load-balance.pool.pool_member")
    assert parse_key(members, "7") == "7"
    assert parse_key(members, "007") == "7"
    assert parse_key(members, str(MAX_ENTRY_NUMBER)) == "4294967295"
    with pytest.raises(CommandFail) as info:
        parse_key(members, "4294967296")
    assert (info.value.code, info.value.reason) == (-12, "entry number 4294967296 out of range")
    for word in ("x", "-1", ""):
        with pytest.raises(ValueParseError) as vinfo:
            parse_key(members, word)
        assert vinfo.value.code == -651


def test_name_keys() -> None:
    pools = table("load-balance.pool")
    assert parse_key(pools, "web pool") == "web pool"
    assert parse_key(pools, "007") == "007"  # names are not numbers
    assert parse_key(pools, "p" * 63) == "p" * 63
    with pytest.raises(CommandFail) as info:
        parse_key(pools, "p" * 64)
    assert (info.value.code, info.value.reason) == (-11, "entry name longer than 63 characters")
    with pytest.raises(CommandFail) as info:
        parse_key(pools, "")
    assert (info.value.code, info.value.reason) == (-56, "entry name must not be empty")
    with pytest.raises(ValueParseError) as vinfo:
        parse_key(pools, "a<b")
    assert (vinfo.value.code, vinfo.value.token) == (-61, "<")


# ------------------------------------------------------------------------------------------ display, hint, raw
def test_display() -> None:
    hcs = attr("load-balance.pool", "health-check-list")
    assert display(hcs, ("LB_HLTHCK_ICMP", "LB_HLTHCK_HTTP")) == "LB_HLTHCK_ICMP LB_HLTHCK_HTTP "
    assert display(hcs, ()) == ""
    assert display(attr(VS, "port"), "80 8000-8080") == "80 8000-8080"
    assert display(attr(VS, "comments"), "two words") == "two words"
    assert display(attr(VS, "type"), "l7-load-balance") == "l7-load-balance"


def test_is_raw_only_for_port_lists_and_passwords() -> None:
    assert is_raw(attr(VS, "port")) and is_raw(attr("system.admin", "password"))
    for name in ("type", "ip", "comments", "load-balance-pool", "connection-limit"):
        assert not is_raw(attr(VS, name)), name
    assert {k for k, v in KINDS.items() if v.raw} == {"portlist", "password", "passhash"}


def test_hints() -> None:
    expected = {
        "option": "<value>", "integer": "<integer>", "string": "<string>", "ipv4": "<class_ip>",
        "ipv6": "<class_ip6>", "ipv4mask": "<ip&netmask>", "ipv6mask": "<ip6&netmask>", "ref": "<value>",
        "portlist": "<port>", "password": "<password>", "passhash": "<password>", "pattern": "<string>",
    }
    assert {k: v.hint for k, v in KINDS.items()} == expected
    assert hint(attr(VS, "connection-limit")) == "<integer>"
    assert hint(attr("system.interface", "ip")) == "<ip&netmask>"
    assert hint(attr(VS, "ip6")) == "<class_ip6>"


def test_default_values() -> None:
    assert default_value(attr(VS, "port")) == "80"
    assert default_value(attr(VS, "interface")) == ""
    assert default_value(attr("load-balance.client-ssl-profile", "ssl-allowed-versions")) == ("tlsv1.1", "tlsv1.2")
    assert default_value(attr("load-balance.pool", "health-check-list")) == ()


# ------------------------------------------------------------------------------------------ port grammar
def test_port_ranges_text_and_set() -> None:
    assert port_ranges("80 8000-8080") == ((80, 80), (8000, 8080))
    assert port_text(((80, 80), (8000, 8080))) == "80 8000-8080"
    assert port_ranges("") == ()
    assert port_text(()) == ""
    assert port_set("80-82 90") == {80, 81, 82, 90}
    assert port_set("") == {0}
    assert port_set("0") == {0}


RANGES = st.lists(st.tuples(st.integers(1, 65535), st.integers(0, 40)).map(lambda t: (t[0], min(65535, t[0] + t[1]))),
                  max_size=8).map(tuple)


@given(RANGES)
def test_port_grammar_round_trips(ranges: tuple[tuple[int, int], ...]) -> None:
    text = port_text(ranges)
    assert port_ranges(text) == ranges
    assert port_text(port_ranges(text)) == text
    if text:
        assert parse_value(attr(VS, "port"), text.split()) == text
    expected = {p for lo, hi in ranges for p in range(lo, hi + 1)} or {0}
    assert port_set(text) == expected


# ------------------------------------------------------------------------------------------ property
def _all_attrs() -> list[Attr]:
    out: list[Attr] = []
    stack = list(SCHEMA.tables)
    while stack:
        t = stack.pop()
        out.extend(t.attrs)
        stack.extend(t.children)
    return out


ALL_ATTRS = sorted(_all_attrs(), key=lambda a: (a.kind, a.name, a.help))
TEXT = st.text(st.characters(codec="utf-8", exclude_characters=tuple(XSS_CHARS)), max_size=40)


def _word(a: Attr) -> st.SearchStrategy[str]:
    """One valid word for ``a``, often not in canonical form (prefixes, leading zeros, upper-case hex)."""
    if a.kind == "option":
        names = a.option_names

        def unique_prefix(name: str) -> list[str]:
            return [name] + [name[:k] for k in range(1, len(name)) if [n for n in names if n.startswith(name[:k])] == [name]]

        return st.sampled_from(names).flatmap(lambda n: st.sampled_from(unique_prefix(n)))
    if a.kind == "integer":
        lo, hi = a.range or (0, 10**12)
        return st.tuples(st.integers(lo, hi), st.integers(0, 2)).map(lambda t: "0" * t[1] + str(t[0]))
    if a.kind == "ipv4":
        return st.ip_addresses(v=4).map(str)
    if a.kind == "ipv6":
        return st.ip_addresses(v=6).map(lambda ip: ip.exploded.upper())
    if a.kind == "ipv4mask":
        return st.tuples(st.ip_addresses(v=4), st.integers(0, 32)).map(lambda t: f"{t[0]}/{t[1]}")
    if a.kind == "ipv6mask":
        return st.tuples(st.ip_addresses(v=6), st.integers(0, 128)).map(lambda t: f"{t[0].exploded}/{t[1]}")
    text = TEXT.filter(lambda w: len(w.encode()) <= a.maxlen)
    if a.kind == "ref" and a.ref_extra:
        return st.one_of(st.sampled_from(a.ref_extra), text)
    return text


def _words(a: Attr) -> st.SearchStrategy[list[str]]:
    if a.kind == "portlist":
        single = st.tuples(st.integers(1, 65535), st.integers(0, 1)).map(lambda t: "0" * t[1] + str(t[0]))
        rng = st.tuples(st.integers(1, 65535), st.integers(0, 99)).map(lambda t: f"{t[0]}-{min(65535, t[0] + t[1])}")
        mixed = st.tuples(st.lists(rng, max_size=8), st.lists(single, max_size=5)).map(lambda t: t[0] + t[1])
        return st.one_of(st.just(["0"]), mixed.filter(bool))
    if a.kind == "password":
        return TEXT.filter(bool).map(lambda w: [w])
    if a.multi:
        return st.lists(_word(a), min_size=1, max_size=a.max_items or 6)
    return _word(a).map(lambda w: [w])


def _shown_words(a: Attr, value: object) -> list[str]:
    """The words ``show`` would type back for a stored value (before quoting)."""
    if isinstance(value, tuple):
        return list(value)
    assert isinstance(value, str)
    if is_raw(a):
        return display(a, value).split()
    return [display(a, value)]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ALL_ATTRS).flatmap(lambda a: st.tuples(st.just(a), _words(a))))
def test_canonical_form_parses_back_to_itself(case: tuple[Attr, list[str]]) -> None:
    a, words = case
    value = parse_value(a, words)
    again = parse_value(a, _shown_words(a, value))
    assert again == value, (a.name, words, value)
    if isinstance(value, tuple):
        assert len(set(value)) == len(value)
        assert display(a, value) == " ".join(value) + " "
