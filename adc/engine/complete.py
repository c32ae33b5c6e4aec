"""``?`` help and Tab candidates, read off the schema and the config (reference §1.5).

``next_candidates`` answers "what may come after these words" as (word, help) pairs; ``?`` prints
those matching the partial word, Tab offers them. Words in angle brackets (``<integer>``) are hints:
``?`` shows them, Tab does not insert them.
"""
from __future__ import annotations

from ..config.tree import TableData
from ..config.values import hint
from ..errors import AdcError
from ..schema.model import Attr, Table
from ..schema.vdom import ROOT_VDOM
from .commands import DIAGNOSE, EXECUTE, FULL, STATUS_PATHS, VDOM_WORDS, commands_for
from .context import Context
from . import opaque_verbs
from .frames import EntryFrame, OpaqueFrame, ScopeFrame, TableFrame
from .lexer import lex_partial
from .reply import Candidate
from .verb import Verb, find_verb, verb_words
from .words import match

Pairs = list[tuple[str, str]]


def _path_words(s: Context, done: tuple[str, ...], status: bool) -> Pairs:
    out = [(w, s.schema.help_for_word(done, w)) for w in s.schema.next_words(done)
           if done or s.access.can_read((w,))]  # an area the profile says ``none`` is not offered
    if status:
        for p, (help_, _) in STATUS_PATHS.items():
            if p[: len(done)] == done and len(p) > len(done) and p[len(done)] not in [w for w, _ in out]:
                out.append((p[len(done)], help_ if len(p) == len(done) + 1 else p[len(done)]))
    return out


def _entries(data: TableData, table: Table, with_reserved: bool = True) -> Pairs:
    return [(e.key or "", table.dotted) for e in data if with_reserved or not e.reserved]


def _after_path(s: Context, words: list[str], status: bool) -> Pairs:
    """Candidates after ``get``/``show``/``config``: path words, then entry keys."""
    done: tuple[str, ...] = ()
    i = 0
    while i < len(words):
        cands = [w for w, _ in _path_words(s, done, status)]
        if not cands:
            break
        done = done + (match(words[i], cands, AdcError("no match")),)
        i += 1
    table = s.schema.table(done)
    if table is not None and table.kind == "table" and i == len(words) and not s.schema.next_words(done):
        node = s.saved_node(done)
        return _entries(node, table) if isinstance(node, TableData) else []
    if i == len(words):
        return _path_words(s, done, status)
    return []


def _value_candidates(s: Context, attr: Attr) -> Pairs:
    if attr.kind == "option":
        return [(o.name, o.help) for o in attr.options]
    if attr.kind == "ref":
        out: Pairs = []
        if attr.ref:
            t = s.schema.by_dotted.get(attr.ref)
            node = s.store.tree.nodes.get(t.path) if t else None
            if isinstance(node, TableData) and t is not None:
                out = [(e.key or "", attr.ref) for e in node]
        return [(x, attr.ref or "") for x in attr.ref_extra] + out
    extra = f" ({attr.range[0]}-{attr.range[1]})" if attr.range else ""
    return [(hint(attr), f"{attr.help}{extra}")]


def _entry_frame_candidates(s: Context, frame: EntryFrame, verb: str, words: list[str]) -> Pairs:
    settable = [a for a in s.view.attrs(frame.table, frame.work) if not a.readonly]
    if verb in ("set", "unset"):
        if not words:
            return [(("*" if a.required else "") + a.name, a.help) for a in settable]
        if verb == "unset":
            return []
        name = match(words[0], [a.name for a in settable], AdcError("no match"))
        attr = next(a for a in settable if a.name == name)
        if len(words) > 1 and not attr.multi and attr.kind != "portlist":
            return []
        return _value_candidates(s, attr)
    if verb == "config":
        if words:
            return []
        return [(t.name, t.help) for t in s.view.children(frame.table, frame.work)]
    return []


def _verb_candidates(verbs: tuple[Verb, ...], words: list[str]) -> Pairs:
    try:
        verb, rest = find_verb(verbs, words)
    except AdcError:
        done: tuple[str, ...] = ()
        for w in words:
            nxt = verb_words(verbs, done)
            done = done + (match(w, nxt, AdcError("no match")),)
        return list(verb_words(verbs, done).items())
    usage = verb.usage.split("Usage: ", 1)[-1]
    expected = usage.split(" | ")[0].split()[len(verb.words) + 1 :]  # the first form's arguments
    return _argument(expected[len(rest)], usage) if len(rest) < len(expected) else []


def _argument(word: str, usage: str) -> Pairs:
    """What ``?`` offers for one argument of a usage line: a literal word (``tftp``) as a candidate,
    the choices of ``{a|b}``, a ``<hint>`` (``[port]`` and ``[<lines>]`` as ``<port>``/``<lines>``)."""
    if word.startswith("{"):
        return [(w, usage) for w in word[1:-1].split("|")] if word.endswith("}") and "'" not in word else []
    if word.startswith("["):
        word = word[1:-1]
        word = word if word.startswith("<") else f"<{word}>"
    return [(word, usage)]


def next_candidates(s: Context, words: list[str]) -> Pairs:
    """What may follow ``words`` at the session's current position."""
    frame = s.frame
    commands = commands_for(frame)
    if not words:
        return list(commands.items())
    verb = match(words[0], commands, AdcError("no match"))
    rest = words[1:]
    if verb in ("get", "show"):
        pairs = _after_path(s, rest[1:] if verb == "show" and rest and rest[0] == FULL else rest, verb == "get")
        if verb == "show" and not rest:
            pairs = [(FULL, "show full configuration")] + pairs
        return pairs
    if verb == "config" and frame is None and s.vdom_mode():
        return list(VDOM_WORDS.items()) if not rest else []
    if verb == "config" and (frame is None or isinstance(frame, ScopeFrame)):
        return _after_path(s, rest, False)
    if isinstance(frame, ScopeFrame) and verb == "edit":
        return [(ROOT_VDOM, "virtual domain")] if not rest else []
    if verb == "execute":
        return _verb_candidates(EXECUTE, rest)
    if verb == "diagnose":
        return _verb_candidates(DIAGNOSE, rest)
    if isinstance(frame, TableFrame) and verb in ("edit", "delete"):
        if rest:
            return []
        data = s.table_data(frame)
        entries = _entries(data, frame.table, with_reserved=verb == "edit")
        if verb == "edit":
            hint = "<No.>" if frame.table.key == "integer" else "<name>"
            return [(hint, frame.table.key_help or f"{frame.table.help} name")] + entries
        return entries
    if isinstance(frame, EntryFrame):
        return _entry_frame_candidates(s, frame, verb, rest)
    if isinstance(frame, OpaqueFrame):
        return opaque_verbs.candidates(s, frame, verb, rest)
    return []


def _filtered(s: Context, text: str) -> tuple[Pairs, str]:
    p = lex_partial(text)
    try:
        pairs = next_candidates(s, list(p.words))
    except AdcError:
        return [], p.current
    cur = p.current
    return [(w, h) for w, h in pairs if w.lstrip("*").startswith(cur) or (w.startswith("<") and not cur)], cur


def help_text(s: Context, text: str) -> str:
    pairs, _ = _filtered(s, text)
    if not pairs:
        return "command parse error\n" if text.strip() else ""
    width = max(len(w) for w, _ in pairs) + 1
    return "".join(f"{w:<{width}}{h}\n" for w, h in pairs)


def candidates(s: Context, text: str) -> list[Candidate]:
    pairs, _ = _filtered(s, text)
    return [Candidate(w.lstrip("*"), h) for w, h in pairs if not w.startswith("<")]


__all__ = ["help_text", "candidates", "next_candidates"]
