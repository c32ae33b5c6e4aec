"""The tokenizer: quoting and escapes of reference §1.4, and its refusals."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from adc.engine.lexer import LexError, _scan, continues, lex, lex_partial, quote_value


def test_plain_words() -> None:
    assert lex("set ip 10.0.0.1") == ["set", "ip", "10.0.0.1"]
    assert lex("   edit   vs1  ") == ["edit", "vs1"]


def test_quotes_and_escapes() -> None:
    assert lex('set comments "Security Administrator"') == ["set", "comments", "Security Administrator"]
    assert lex("set comments 'Security Administrator'") == ["set", "comments", "Security Administrator"]
    assert lex(r"set comments Security\ Administrator") == ["set", "comments", "Security Administrator"]
    assert lex(r'set x "a\"b\\c"') == ["set", "x", 'a"b\\c']
    assert lex(r"set x 'it\'s'") == ["set", "x", "it's"]
    assert lex('edit ""') == ["edit", ""]


def test_unbalanced_quote_is_refused() -> None:
    with pytest.raises(LexError) as err:
        lex('set comments "open')
    assert err.value.lines()[-1] == "Command fail. CLI parsing error"


@pytest.mark.parametrize("line", ["set x \x01", "a\x7fb", "x\udcff", "x" * 20000, "x\u200by"])
def test_refused_lines(line: str) -> None:
    with pytest.raises(LexError):
        lex(line)


def test_continuation() -> None:
    assert continues("set comments abc \\")
    assert not continues("set comments abc")
    assert not continues('set comments "abc \\')


@given(st.text(alphabet="ab \\\"'\t", max_size=30))
def test_continues_agrees_with_the_scanner(line: str) -> None:
    """``continues`` answers as scanning the line does (it decides long lines, so it does not scan)."""
    _, _, quote, escaped = _scan(line)
    assert continues(line) == (escaped and not quote)


def test_continues_on_long_lines() -> None:
    assert continues("x" * 1_000_000 + "\\")
    assert not continues("\\" * 1_000_000)  # escaped backslashes
    assert continues("\\" * 1_000_001)
    assert not continues('"' + "\\" * 1_000_001)  # inside an open quote
    assert continues("'it\\'s' \"a\\\"b\" \\")


def test_partial() -> None:
    p = lex_partial("config load-balance virt")
    assert p.words == ("config", "load-balance") and p.current == "virt"
    p = lex_partial("set ")
    assert p.words == ("set",) and p.current == ""
    p = lex_partial('set comments "half')
    assert p.current == "half" and p.quote == '"'


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf")), max_size=40))
def test_quote_value_round_trips(value: str) -> None:
    assert lex("set x " + quote_value(value)) == ["set", "x", value]
