"""What a data directory knows of its lab: which lab, its address block, and the commands typed.

Kept in ``<data dir>/lab/`` beside the configuration: ``state.json`` (``{"lab": id, "net": "127.A.B"}``,
written by reset) and ``history.jsonl`` (one ``{"line": ..., "ok": bool}`` per command run in the
lab's console), which ``command`` checks read. Both are plain files, so a checker in another process
reads them while a console holds the directory.

Address blocks: each data directory gets its own ``127.A.B.0/24`` on loopback, so trainees sharing a
machine never clash on an address or a port. ``A`` is ``$ADC_LAB_NET`` when set (tests pin their own
range), else 100-199; ``A.B`` starts from a hash of the directory's path and the first block not
claimed by another directory is taken. Claims are files ``<tmp>/adc-lab-nets/127.A.B`` naming the data
directory; a claim whose directory no longer uses that block is stale and taken over.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .model import LabError

STATE_DIR = "lab"
STATE = "state.json"
HISTORY = "history.jsonl"
HISTORY_LIMIT = 10_000  # lines kept readable; a longer history keeps its newest lines


def lab_dir(data_dir: Path) -> Path:
    return data_dir / STATE_DIR


def read_state(data_dir: Path) -> dict[str, str] | None:
    try:
        doc = json.loads((lab_dir(data_dir) / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("lab"), str) or not isinstance(doc.get("net"), str):
        return None
    return {"lab": doc["lab"], "net": doc["net"]}


def write_state(data_dir: Path, lab_id: str, net: str) -> None:
    folder = lab_dir(data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = folder / (STATE + ".tmp")
    tmp.write_text(json.dumps({"lab": lab_id, "net": net}) + "\n", encoding="utf-8")
    os.replace(tmp, folder / STATE)


def net_for(data_dir: Path, lab_id: str) -> str:
    """The address block of a data directory reset for ``lab_id``; ``LabError`` if it was not."""
    state = read_state(data_dir)
    if state is None:
        raise LabError(f"{data_dir} holds no lab: run `adc lab reset {lab_id} --data-dir {data_dir}` first")
    if state["lab"] != lab_id:
        raise LabError(f"{data_dir} holds lab {state['lab']!r}, not {lab_id!r}: "
                       f"run `adc lab reset {lab_id} --data-dir {data_dir}` first")
    return state["net"]


# ------------------------------------------------------------------------------------------ history
def record_command(data_dir: Path, line: str, ok: bool) -> None:
    """Append one command to the history (best effort: a full disk never stops the console)."""
    text = line.strip()
    if not text or text.startswith("#"):
        return
    try:
        folder = lab_dir(data_dir)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(folder / HISTORY, "a", encoding="utf-8") as f:
            f.write(json.dumps({"line": text, "ok": ok}) + "\n")
    except OSError:
        pass


def read_history(data_dir: Path) -> list[tuple[str, bool]]:
    try:
        raw = (lab_dir(data_dir) / HISTORY).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for line in raw[-HISTORY_LIMIT:]:
        try:
            doc = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash
        if isinstance(doc, dict) and isinstance(doc.get("line"), str):
            out.append((doc["line"], bool(doc.get("ok"))))
    return out


def clear_history(data_dir: Path) -> None:
    try:
        (lab_dir(data_dir) / HISTORY).unlink()
    except FileNotFoundError:
        pass


# ------------------------------------------------------------------------------------ address blocks
def _claims_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "adc-lab-nets"
    folder.mkdir(exist_ok=True)
    try:
        folder.chmod(0o1777)  # trainees with different accounts share the claims
    except OSError:
        pass
    return folder


def _first_octet_range() -> range:
    pinned = os.environ.get("ADC_LAB_NET", "")
    if pinned.isdigit() and 1 <= int(pinned) <= 254:
        return range(int(pinned), int(pinned) + 1)
    return range(100, 200)


def _blocks(data_dir: Path) -> tuple[list[tuple[int, int]], int]:
    """Every candidate block, and the index this directory starts from."""
    blocks = [(a, b) for a in _first_octet_range() for b in range(1, 255)]
    me = str(data_dir.resolve())
    return blocks, int.from_bytes(hashlib.sha256(me.encode()).digest()[:4], "big") % len(blocks)


def peek_net(data_dir: Path, lab_id: str) -> str:
    """The block of a directory reset for ``lab_id``, else the one a reset would try first (nothing claimed)."""
    state = read_state(data_dir)
    if state is not None and state["lab"] == lab_id:
        return state["net"]
    blocks, start = _blocks(data_dir)
    a, b = blocks[start]
    return f"127.{a}.{b}"


def choose_net(data_dir: Path) -> str:
    """Claim an address block for ``data_dir`` (its previous one when it still holds the claim)."""
    me = str(data_dir.resolve())
    firsts = _first_octet_range()
    blocks, start = _blocks(data_dir)
    claims = _claims_dir()
    old = read_state(data_dir)
    if old is not None:
        try:
            if (claims / old["net"]).read_text(encoding="utf-8").strip() == me:
                return old["net"]
        except OSError:
            pass
    for i in range(len(blocks)):
        a, b = blocks[(start + i) % len(blocks)]
        net = f"127.{a}.{b}"
        claim = claims / net
        try:
            fd = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                owner = claim.read_text(encoding="utf-8").strip()
            except OSError:
                continue
            if owner == me or _stale(owner, net):
                try:
                    claim.write_text(me + "\n", encoding="utf-8")
                except OSError:
                    continue
                return net
            continue
        except OSError as exc:
            raise LabError(f"cannot claim an address block in {claims} ({exc.strerror})") from None
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(me + "\n")
        if old is not None and old["net"] != net:
            release_net(old["net"], me)
        return net
    raise LabError(f"every lab address block of 127.{firsts.start}-{firsts.stop - 1}.x.0/24 is claimed")


def _stale(owner: str, net: str) -> bool:
    """A claim whose data directory is gone or now uses another block."""
    state = read_state(Path(owner))
    return state is None or state["net"] != net


def release_net(net: str, me: str) -> None:
    claim = _claims_dir() / net
    try:
        if claim.read_text(encoding="utf-8").strip() == me:
            claim.unlink()
    except OSError:
        pass
