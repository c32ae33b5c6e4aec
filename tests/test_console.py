"""The interactive console, driven through a pipe input: ``?``, Tab, keys, paste and paging.

Every test types its whole input up front and closes the pipe, so the console always ends (at EOF)
and nothing waits on timing. The screen is a VT100 output written into a string; escape sequences
are stripped before looking at it.
"""
from __future__ import annotations

import io
import re
import tracemalloc
from collections.abc import Iterator

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from adc.appliance import Appliance
from adc.engine.frames import truncate16
from adc.engine.lexer import MAX_LINE
from adc.engine.reply import Candidate
from cli.completer import EngineCompleter, partial_word
from cli.console import HISTORY_LINES, Console, run_console
from cli.pager import MORE, Pager, run_pager, split_pages

ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
CTRL_C, CTRL_D, CTRL_V, CTRL_U = "\x03", "\x04", "\x16", "\x15"
TOP = "FortiADC-VM # "


class Screen(io.StringIO):
    """What the terminal received, as plain text."""

    encoding = "utf-8"

    def text(self) -> str:
        return ESC.sub("", self.getvalue()).replace("\r", "")


@pytest.fixture
def app() -> Iterator[Appliance]:
    appliance = Appliance(None)
    yield appliance
    appliance.close()


def drive(app: Appliance, keys: str, rows: int = 40, columns: int = 100) -> tuple[Console, Screen, int]:
    """Type ``keys`` into a fresh console on ``app``, run it to EOF; return it, its screen and status."""
    screen = Screen()
    output = Vt100_Output(screen, lambda: Size(rows=rows, columns=columns))
    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()
        console = Console(app.session(), inp, output)
        status = console.run()
    return console, screen, status


def paged(app: Appliance, keys: str) -> tuple[list[str], Screen]:
    """Type ``keys`` into a console 10 rows high; what it wrote, one item per write, and its screen."""
    screen = Screen()
    output = Vt100_Output(screen, lambda: Size(rows=10, columns=200))
    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()
        console = Console(app.session(), inp, output)
        written: list[str] = []
        plain_write = console.write
        console.write = lambda text: (written.append(text), plain_write(text))  # type: ignore[method-assign]
        assert console.run() == 0
    return written, screen


def history(console: Console) -> list[str]:
    return list(console.prompt.history.load_history_strings())[::-1]


def listing_lines(text: str) -> dict[str, str]:
    """``word  help`` lines of a ``?`` listing, as word -> help."""
    out = {}
    for line in text.splitlines():
        m = re.fullmatch(r"(\*?[A-Za-z0-9_<>.-]+) +(\S.*)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


# ------------------------------------------------------------------------------------- ? help
def test_question_mark_at_empty_prompt_lists_commands_and_keeps_the_line(app: Appliance) -> None:
    console, screen, status = drive(app, "?get system status\r")
    text = screen.text()
    assert status == 0
    assert f"{TOP}?\n" in text  # the line as typed, then the listing
    listed = listing_lines(text)
    assert listed["config"] == "configure object"
    assert listed["get"] == "get dynamic and system information"
    assert listed["show"] == "show configuration"
    # ``?`` ran nothing and added nothing to the line: what was typed next is the whole command.
    assert history(console) == ["get system status"]
    assert "Hostname:" in text


def test_question_mark_after_partial_word_keeps_the_partial_word(app: Appliance) -> None:
    console, screen, _ = drive(app, "sh?ow load-balance pool\r")
    listed = listing_lines(screen.text())
    assert "show" in listed and "get" not in listed
    assert history(console) == ["show load-balance pool"]


def test_question_mark_after_config_load_balance(app: Appliance) -> None:
    console, screen, _ = drive(app, "config load-balance ?pool\r")
    text = screen.text()
    assert f"{TOP}config load-balance ?\n" in text
    listed = listing_lines(text)
    for word in ("virtual-server", "pool", "real-server", "profile", "method", "persistence"):
        assert word in listed, word
    assert listed["virtual-server"] == "virtual server"
    assert history(console) == ["config load-balance pool"]
    assert console.session.prompt == "FortiADC-VM (pool) # "


def test_set_question_mark_marks_required_attributes(app: Appliance) -> None:
    keys = "config load-balance virtual-server\redit vs1\rset ?" + CTRL_C
    console, screen, _ = drive(app, keys)
    listed = listing_lines(screen.text())
    assert "*load-balance-pool" in listed
    assert "*load-balance-profile" in listed
    assert "status" in listed and "*status" not in listed
    assert "FortiADC-VM (vs1) # set ?\n" in screen.text()
    assert console.session.depth == 2  # Ctrl+C dropped ``set `` and left us in the entry


def test_question_mark_inside_quotes_is_literal(app: Appliance) -> None:
    keys = 'config load-balance virtual-server\redit vs1\rset comments "why?"\r' + f"set comments x{CTRL_V}?y\r"
    console, screen, _ = drive(app, keys)
    assert history(console)[-2:] == ['set comments "why?"', "set comments x?y"]
    assert "*load-balance-pool" not in screen.text()  # no listing was printed


# ------------------------------------------------------------------------------------- Tab
def test_tab_completes_a_single_candidate_with_a_space(app: Appliance) -> None:
    console, _, _ = drive(app, "config load-balance virt\t\r")
    assert history(console) == ["config load-balance virtual-server "]
    assert console.session.prompt == "FortiADC-VM (virtual-server) # "


@pytest.mark.parametrize(
    ("tabs", "scope"),
    [(1, "profile"), (2, "persistence"), (3, "pool"), (4, "pagespeed-profile"), (5, "pagespeed"),
     (6, "profile")],  # the sixth press wraps
)
def test_repeated_tab_cycles_through_candidates(app: Appliance, tabs: int, scope: str) -> None:
    console, _, _ = drive(app, "config load-balance p" + "\t" * tabs + "\r")
    assert history(console) == [f"config load-balance {scope}"]
    assert console.session.prompt == f"FortiADC-VM ({truncate16(scope)}) # "


def test_tab_with_no_candidate_changes_nothing(app: Appliance) -> None:
    console, _, _ = drive(app, "get zzz\t\r")
    assert history(console) == ["get zzz"]


def test_completer_adapts_engine_candidates() -> None:
    class Fake:
        def __init__(self, cands: list[Candidate]) -> None:
            self.cands = cands
            self.asked: list[str] = []

        def complete(self, text: str) -> list[Candidate]:
            self.asked.append(text)
            return self.cands

    many = Fake([Candidate("pool", "real server pool"), Candidate("profile", "application profile")])
    got = list(EngineCompleter(many).get_completions(Document("config load-balance p"), CompleteEvent()))
    assert [(c.text, c.start_position, c.display_meta_text) for c in got] == [
        ("pool", -1, "real server pool"),
        ("profile", -1, "application profile"),
    ]
    assert many.asked == ["config load-balance p"]
    one = Fake([Candidate("my vs", "load-balance.virtual-server")])
    (only,) = EngineCompleter(one).get_completions(Document('edit "my'), CompleteEvent())
    assert (only.text, only.start_position) == ('"my vs" ', -3)


@pytest.mark.parametrize(
    ("text", "partial"),
    [("", ""), ("config ", ""), ("config load", "load"), ('edit "a b', '"a b'), ("edit a\\ b", "a\\ b"),
     ("set x 'q r' s", "s")],
)
def test_partial_word(text: str, partial: str) -> None:
    assert partial_word(text) == partial


# ------------------------------------------------------------------------------------- keys
@pytest.mark.parametrize("up", ["\x10", "\x1b[A"])  # Ctrl+P, Up arrow
def test_history_recalls_earlier_lines(app: Appliance, up: str) -> None:
    # History is loaded when a prompt is drawn, so keys typed before it (typeahead) cannot reach it:
    # the recall keys are sent only once ``end`` has run, as a person would press them.
    screen = Screen()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=100))
    with create_pipe_input() as inp:
        inp.send_text("config system global\rend\r")
        console = Console(app.session(), inp, output)
        execute = console.session.execute

        def execute_then_type(line: str):  # noqa: ANN202 - returns the engine's Reply
            reply = execute(line)
            if line == "end":
                inp.send_text(up + up + "\r")
                inp.close()
            return reply

        console.session.execute = execute_then_type  # type: ignore[method-assign]
        assert console.run() == 0
    assert history(console) == ["config system global", "end", "config system global"]
    assert console.session.prompt == "FortiADC-VM (global) # "


def test_line_editing_keys(app: Appliance) -> None:
    # Ctrl+A / Ctrl+E line ends, Ctrl+B / Ctrl+F word back / forward, Ctrl+D delete char.
    console, _, _ = drive(app, "get system\x02\x02X\r" + "bc\x01a\x05d\r" + "abc\x01\x04\r" + "one two\x01\x06Z\r")
    assert history(console) == ["Xget system", "abcd", "bc", "oneZ two"]


def test_prompt_follows_hostname_at_once(app: Appliance) -> None:
    console, screen, _ = drive(app, "config system global\rset hostname ADC-3\rend\rget system status\r")
    assert console.session.prompt == "ADC-3 # "
    assert "ADC-3 # get system status" in screen.text()


def test_ctrl_c_aborts_the_line_and_closes_only_at_an_empty_top_level(app: Appliance) -> None:
    console, _, status = drive(app, "get sys" + CTRL_C + "config system global\r" + CTRL_C + CTRL_U + CTRL_C + "end\r")
    assert status == 0
    assert history(console) == ["config system global", "end"]  # the second Ctrl+C did not close
    console, _, _ = drive(app, CTRL_C + "config system global\r")
    assert history(console) == []  # Ctrl+C on an empty top-level line closed the session


def test_ctrl_c_at_a_question_answers_no(app: Appliance) -> None:
    keys = "config load-balance real-server\redit rs1\rset ip 10.0.0.1\rnext\rpurge\r" + CTRL_C + "end\r"
    console, screen, _ = drive(app, keys)
    assert "Do you want to continue? (y/n)" in screen.text()
    assert console.session.prompt == TOP
    assert 'edit "rs1"' in app.session().execute("show load-balance real-server").output


def test_an_engine_exception_does_not_end_the_console(app: Appliance) -> None:
    screen = Screen()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=100))
    with create_pipe_input() as inp:
        inp.send_text("boom\rconfig system global\r")
        inp.close()
        console = Console(app.session(), inp, output)
        execute = console.session.execute

        def flaky(line: str):  # noqa: ANN202 - returns the engine's Reply
            if line == "boom":
                raise RuntimeError("kaboom")
            return execute(line)

        console.session.execute = flaky  # type: ignore[method-assign]
        assert console.run() == 0
    assert "internal error: RuntimeError: kaboom" in screen.text()
    assert console.session.prompt == "FortiADC-VM (global) # "


def test_typing_stops_at_the_longest_line(app: Appliance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cli.console.MAX_LINE", 40)  # the engine's bound, made small to type quickly
    console, screen, _ = drive(app, "get system status" + " " * 30 + "\r")
    assert history(console) == ["get system status" + " " * 23]  # the keys past the bound were refused...
    assert screen.getvalue().count("\a") == 7  # ...each with the bell
    assert "Hostname:" in screen.text()


def test_a_continued_line_is_bounded_and_dropped_by_ctrl_c(app: Appliance) -> None:
    chunk = "y" * 9000
    console, screen, _ = drive(app, PASTE_START + f"set {chunk}\\\n{chunk}\\\n{chunk}\n" + PASTE_END
                               + "get system status\r"
                               + PASTE_START + f"set {chunk}\\\n{chunk}\\\n" + PASTE_END
                               + CTRL_C + "config system global\r")
    text = screen.text()
    assert f"line too long ({3 * 9000 + 4} characters, at most {MAX_LINE})" in text
    assert "Hostname:" in text  # the console went on after the refusal
    assert console.session.prompt == "FortiADC-VM (global) # "  # Ctrl+C dropped the second one


def test_history_is_bounded(app: Appliance) -> None:
    console = Console(app.session(), output=DummyOutput())
    huge = "x" * 1_000_000
    tracemalloc.start()
    try:
        assert console.run_paste([huge + "\\"] * 300 + ["end"])  # a paste: shown as progress
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak
    assert history(console) == ["end"]  # lines the engine refuses for their length are not kept
    assert console.run_paste([f"get system status {i}" for i in range(HISTORY_LINES + 50)])
    kept = history(console)
    assert len(kept) == HISTORY_LINES and kept[-1] == f"get system status {HISTORY_LINES + 49}"


def test_ctrl_d_on_empty_line_ends_the_console(app: Appliance) -> None:
    console, _, status = drive(app, CTRL_D + "config system global\r")
    assert status == 0
    assert history(console) == []


def test_exit_ends_the_console(app: Appliance) -> None:
    console, _, status = drive(app, "exit\rconfig system global\r")
    assert status == 0
    assert history(console) == ["exit"]


def test_run_console_entry_point(app: Appliance) -> None:
    with create_pipe_input() as inp:
        inp.send_text("config load-balance real-server\redit rs1\rset ip 10.0.0.1\rend\r")
        inp.close()
        assert run_console(app, inp, DummyOutput()) == 0
    assert "set ip 10.0.0.1" in app.session().execute("show load-balance real-server").output


# ------------------------------------------------------------------------------------- paste
PASTE = """config load-balance real-server
  edit "rs1"
    set ip 10.0.1.11
  next
end
config load-balance pool
  edit "web_pool"
    config pool_member
      edit 1
        set real-server rs1
      next
    end
  next
end
"""


def test_bracketed_paste_runs_every_line_in_order(app: Appliance) -> None:
    console, screen, status = drive(app, PASTE_START + PASTE + "show load-balance po" + PASTE_END + "ol\r")
    assert status == 0
    show = app.session().execute("show load-balance pool").output
    assert 'edit "web_pool"' in show and "set real-server rs1" in show
    assert "set ip 10.0.1.11" in app.session().execute("show load-balance real-server").output
    text = screen.text()
    # Each line is shown after its prompt and before its output, as if typed.
    order = [
        "FortiADC-VM # config load-balance real-server",
        'FortiADC-VM (real-server) #   edit "rs1"',
        "Add new entry 'rs1'",
        "FortiADC-VM (rs1) #     set ip 10.0.1.11",
        'FortiADC-VM (pool) #   edit "web_pool"',
        "Add new entry 'web_pool'",
        "FortiADC-VM (pool_member) #       edit 1",
        "FortiADC-VM # show load-balance pool",
    ]
    positions = [text.find(s) for s in order]
    assert -1 not in positions, list(zip(order, positions))
    assert positions == sorted(positions)
    # The unfinished last line stayed on the prompt for more typing; history has every line.
    hist = history(console)
    assert hist[0] == "config load-balance real-server" and hist[-1] == "show load-balance pool"
    assert len(hist) == PASTE.count("\n") + 1


def test_paste_joins_the_text_already_typed(app: Appliance) -> None:
    console, _, _ = drive(app, "config load" + PASTE_START + "-balance pool\nend\n" + PASTE_END)
    assert history(console) == ["config load-balance pool", "end"]


def test_paste_without_line_break_is_just_text(app: Appliance) -> None:
    console, _, _ = drive(app, "config " + PASTE_START + "system global" + PASTE_END + "\r")
    assert history(console) == ["config system global"]


def test_typed_ahead_lines_run_in_order(app: Appliance) -> None:
    drive(app, "config load-balance real-server\redit rs2\rset ip 10.0.0.2\rend\r")
    assert "set ip 10.0.0.2" in app.session().execute("show load-balance real-server").output


# ------------------------------------------------------------------------------------- paging
def test_pager_splits_pages_keeping_a_row_for_more() -> None:
    text = "".join(f"l{i}\n" for i in range(1, 8))
    assert split_pages(text, 4) == ["l1\nl2\nl3\n", "l4\nl5\nl6\n", "l7\n"]
    assert split_pages(text, 100) == [text]
    assert split_pages("", 4) == []


def test_pager_counts_wrapped_rows() -> None:
    text = "a\n" + "b" * 25 + "\nc\nd\n"  # the long line takes 3 rows of 10 columns
    assert split_pages(text, 5, width=10) == ["a\n" + "b" * 25 + "\n", "c\nd\n"]
    # A line taller than the screen still makes progress, alone on its page.
    assert split_pages("x" * 100 + "\ny\n", 3, width=10) == ["x" * 100 + "\n", "y\n"]


def test_run_pager_space_enter_and_quit() -> None:
    text = "".join(f"l{i}\n" for i in range(1, 11))
    shown: list[str] = []
    keys = iter(["line", "page", "quit"])
    finished = run_pager(text, 4, 80, shown.append, lambda: next(keys))
    assert not finished
    assert shown == ["l1\nl2\nl3\n", "l4\n", "l5\nl6\nl7\n"]  # l8..l10 discarded


def test_run_pager_short_text_never_asks() -> None:
    shown: list[str] = []

    def no_key() -> str:
        raise AssertionError("asked for a key on a text that fits")

    assert run_pager("a\nb\n", 24, 80, shown.append, no_key)  # type: ignore[arg-type]
    assert shown == ["a\nb\n"]
    pager = Pager("a\n", 2)
    assert pager.page() == "a\n" and pager.done and pager.line() == ""


def test_console_pages_long_output(app: Appliance) -> None:
    full = app.session().execute("show full-configuration").output.splitlines(keepends=True)
    assert len(full) > 30
    written, screen = paged(app, "show full-configuration\r \rq")
    assert written == ["".join(full[:9]), "".join(full[9:18]), full[18]]
    assert screen.text().count(MORE) >= 3


def test_console_without_paging_prints_everything(app: Appliance) -> None:
    full = app.session().execute("show full-configuration").output
    screen = Screen()
    output = Vt100_Output(screen, lambda: Size(rows=10, columns=200))
    with create_pipe_input() as inp:
        inp.send_text("show full-configuration\r")
        inp.close()
        assert Console(app.session(), inp, output, paging=False).run() == 0
    assert full in screen.text()
    assert MORE not in screen.text()
