"""The console in lab mode: the FortiADC CLI plus ``lab check``, ``lab hint``, ``lab reset``, ``lab task``.

The ``lab`` words are outside the FortiADC grammar, so they live here and not in the engine: a
``Session`` whose ``execute``, ``?`` and Tab add them at the top level only. Every other line goes to
the engine unchanged and is written to the lab's command history, which ``command`` checks read.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adc.engine.reply import Candidate, Reply
from adc.engine.session import Session
from adc.labs.model import Lab, LabError
from adc.labs.report import text_report
from adc.labs.runner import Grade, grade_running, reset_live
from adc.labs.state import record_command

if TYPE_CHECKING:
    from adc.appliance import Appliance

LAB_WORDS = (
    ("check", "grade the lab now: the configuration, traffic through it, the commands typed"),
    ("hint", "show the next hint (lab hint N: hint N)"),
    ("reset", "put the lab's initial configuration back (the changes made are lost)"),
    ("task", "show the task again"),
)
LAB_HELP = "training lab: check, hint, reset, task"


class LabSession(Session):
    """One console session of a running lab (``placed``: the lab at this data directory's addresses)."""

    def __init__(self, app: Appliance, placed: Lab) -> None:
        super().__init__(app)
        self.appliance = app
        self.placed = placed
        assert app.data_dir is not None
        self.data_dir: Path = app.data_dir
        self.hints_shown = 0

    def _at_top(self) -> bool:
        return self.depth == 0 and not self.continuing and not self.awaiting_answer

    def execute(self, line: str) -> Reply:
        words = line.split()
        if self._at_top() and words and words[0] == "lab":
            try:
                return self.lab_command(words[1:])
            except LabError as exc:
                return Reply(error=str(exc) + "\n", failed=True)
        reply = super().execute(line)
        record_command(self.data_dir, line, not reply.failed)
        return reply

    def lab_command(self, args: list[str]) -> Reply:
        verb = [w for w, _ in LAB_WORDS if args and w.startswith(args[0])]
        if len(verb) != 1:
            listing = "".join(f"lab {w:<6} {h}\n" for w, h in LAB_WORDS)
            return Reply(error="Unknown action 0\n" + listing, failed=True)
        name = verb[0]
        if name == "check":
            grade: Grade = grade_running(self.placed, self.data_dir, self.appliance, 0.0)
            return Reply(output=text_report(grade))
        if name == "hint":
            return Reply(output=self.hint(args[1:]))
        if name == "task":
            return Reply(output=task_text(self.placed))
        failed = reset_live(self.appliance, self.placed)
        self.hints_shown = 0
        if failed:
            return Reply(error="\n".join(failed) + "\n", failed=True)
        return Reply(output=f"lab {self.placed.id}: back to its initial configuration\n")

    def hint(self, args: list[str]) -> str:
        hints = self.placed.hints
        if not hints:
            return "This lab has no hints.\n"
        if args:
            if not args[0].isdigit() or not 1 <= int(args[0]) <= len(hints):
                raise LabError(f"hint must be 1-{len(hints)}")
            n = int(args[0])
        else:
            n = min(self.hints_shown + 1, len(hints))
        self.hints_shown = max(self.hints_shown, n)
        return f"Hint {n}/{len(hints)}: {hints[n - 1]}\n"

    def help(self, text: str) -> str:
        listing = super().help(text)
        if not self._at_top():
            return listing
        words = text.split()
        if not words or (len(words) == 1 and not text.endswith(" ") and "lab".startswith(words[0])):
            extra = f"{'lab':<8} {LAB_HELP}\n"
            return extra if listing.startswith("command parse error") else listing + extra
        if words[0] == "lab" and (len(words) == 1 or (len(words) == 2 and not text.endswith(" "))):
            part = words[1] if len(words) == 2 else ""
            return "".join(f"{w:<8} {h}\n" for w, h in LAB_WORDS if w.startswith(part)) or "command parse error\n"
        return listing

    def complete(self, text: str) -> list[Candidate]:
        if not self._at_top():
            return super().complete(text)
        words = text.split()
        if not words or (len(words) == 1 and not text.endswith(" ")):
            part = words[0] if words else ""
            found = super().complete(text) if part != "lab" else []
            if "lab".startswith(part):
                found = [c for c in found if c.word != "lab"] + [Candidate("lab", LAB_HELP)]
            return found
        if words[0] == "lab":
            part = words[1] if len(words) == 2 and not text.endswith(" ") else ""
            if len(words) > 2 or (len(words) == 2 and text.endswith(" ")):
                return []
            return [Candidate(w, h) for w, h in LAB_WORDS if w.startswith(part)]
        return super().complete(text)


def task_text(placed: Lab) -> str:
    body = placed.task.strip("\n")
    hint = f"\n(lab hint: {len(placed.hints)} hint{'s' if len(placed.hints) != 1 else ''}; " if placed.hints else "\n("
    return (f"Lab {placed.id}: {placed.title}\n\n{body}\n{hint}"
            "lab check: grade your work; lab reset: start again; lab task: this text)\n")
