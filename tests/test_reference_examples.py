"""The Example blocks of the CLI Reference apply as the reference shows them (issue 9, Tests).

``tools/extract_examples.py`` reads every Example block of the reference (transcripts and scripts) into
``fixtures/reference-examples.json``; each is replayed here on a factory-fresh appliance, ``execute``
and ``diagnose`` lines aside. Every example applies with no failing line except those of ``CANNOT``,
each with why (docs/fidelity.md sums them up); an example of that list that starts to apply fails the
test too, so the list stays true.
"""
from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import pytest

from adc.appliance import Appliance

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "reference-examples.json"
REFERENCES = [p / "reference" / "fortiadc-7.4.4" / "cli-reference.txt" for p in (Path("/work/shared"), ROOT.parent / "shared")]


def examples() -> list[tuple[str, dict[str, object]]]:
    data = json.loads(FIXTURE.read_text("utf-8"))
    seen: collections.Counter[int] = collections.Counter()
    out = []
    for e in data["examples"]:
        seen[e["page"]] += 1
        out.append((f"p{e['page']}-{seen[e['page']]}", e))
    return out


EXAMPLES = examples()

# The examples that do not apply, and why (the first failing line decides).
CANNOT: dict[str, str] = {
    "p47-1": "value refused: set src-ip 3858983434 -> Command fail. Return code is -39",
    "p50-1": "names an object the example does not create (destination-address fw-dest-addr1)",
    "p57-1": "attribute not in force here or not modelled (source-address)",
    "p61-1": "names an object the example does not create (source-address fw-source-addr1)",
    "p67-1": "attribute not in force here or not modelled (port)",
    "p76-1": "attribute not in force here or not modelled (prefix6)",
    "p85-1": "a bare set in the transcript (the box answers with a parsing error too)",
    "p92-1": "a command out of place in the transcript (set at that prompt)",
    "p95-1": "names an object the example does not create (data-center dc1)",
    "p99-1": "attribute not in force here or not modelled (sync-status)",
    "p105-1": "attribute not in force here or not modelled (password)",
    "p108-1": "names an object the example does not create (server neighbor1)",
    "p114-1": "names an object the example does not create (source-addrgrp LAN)",
    "p118-1": "a command out of place in the transcript (edit at that prompt)",
    "p122-1": "names an object the example does not create (gateway 198.51.100.0)",
    "p130-1": "value refused: set max-cache-size 50M -> Input value is invalid.",
    "p141-1": "a bare set in the transcript (the box answers with a parsing error too)",
    "p148-1": "a command out of place in the transcript (edit at that prompt)",
    "p151-1": "names an object the example does not create (load-balance-pool example-pool)",
    "p169-1": "names an object the example does not create (profile all)",
    "p174-1": "syntax placeholders printed as an example",
    "p174-2": "syntax placeholders printed as an example",
    "p191-1": "names an object the example does not create (health-check-list lb-health-check)",
    "p219-1": "attribute not in force here or not modelled (timeout)",
    "p235-1": "names an object the example does not create (load-balance-pool example-pool)",
    "p242-1": "names an object the example does not create (load-balance-pool lb-pool)",
    "p244-1": "value refused: set description \"Finance and Banking Personal Privacy -> Command fail. CLI parsing error",
    "p248-1": "attribute not in force here or not modelled (ip-network)",
    "p252-2": "attribute not in force here or not modelled (attack_sort_type)",
    "p254-1": "names an object the example does not create (queryset Attack-Top-Source-)",
    "p276-1": "attribute not in force here or not modelled (key)",
    "p280-1": "value refused: set router-id 1.1.1.2 -> Input value is invalid.",
    "p290-1": "attribute not in force here or not modelled (av-profile)",
    "p302-1": "syntax placeholders printed as an example",
    "p323-1": "value refused: set content-type text/html -> Input is not as expected.",
    "p325-1": "attribute not in force here or not modelled (monitor-client-events)",
    "p328-1": "names an object the example does not create (exception IP_exception)",
    "p330-1": "names an object the example does not create (exception exception_policy)",
    "p333-1": "value refused: set ipv6-netmask 2001:1::50:1:0:20/128 -> Command fail. Return code is -39",
    "p334-1": "value refused: set methods HEAD TRACE CONNECT DELETE PUT PATCH OPTIONS OTHERS -> Input is not as expected.",
    "p355-1": "names an object the example does not create (exception exception-group)",
    "p361-1": "attribute not in force here or not modelled (description)",
    "p364-1": "attribute not in force here or not modelled (meta-os-checks)",
    "p372-1": "table not modelled or misspelt (config security web-vulnerability-scanner profile)",
    "p376-1": "a command out of place in the transcript (edit at that prompt)",
    "p380-1": "syntax placeholders printed as an example",
    "p383-1": "names an object the example does not create (sensor user-defined-sensor1)",
    "p384-1": "syntax placeholders printed as an example",
    "p393-1": "attribute not in force here or not modelled (parameter-filter-name)",
    "p396-1": "syntax placeholders printed as an example",
    "p398-1": "names an object the example does not create (allowed-origin test)",
    "p407-1": "value refused: edit WAN -> Input value is invalid.",
    "p408-1": "names an object the example does not create (address TEST-NET-3)",
    "p409-1": "names an object the example does not create (address WAN)",
    "p412-1": "names an object the example does not create (access-profile doc-admin)",
    "p413-1": "value refused: set trusted-hosts 0.0.0.0/0 ::/0 -> Input is not as expected.",
    "p415-1": "table not modelled or misspelt (config sys auto-backup)",
    "p418-1": "attribute not in force here or not modelled (ca-new.cer)",
    "p420-1": "value refused: set verify-depth -> Command fail. Return code is -56",
    "p422-1": "attribute not in force here or not modelled (crl-file)",
    "p422-2": "attribute not in force here or not modelled (certificate-file)",
    "p425-1": "attribute not in force here or not modelled (acme_status)",
    "p427-1": "attribute not in force here or not modelled (certificates-file)",
    "p428-1": "table not modelled or misspelt (config system certificate OCSP_stapling)",
    "p429-1": "table not modelled or misspelt (config system certificate OCSP_stapling)",
    "p430-1": "attribute not in force here or not modelled (certificates-file)",
    "p453-1": "attribute not in force here or not modelled (status-code)",
    "p455-1": "a bare set in the transcript (the box answers with a parsing error too)",
    "p470-1": "a command out of place in the transcript (config at that prompt: the block's end is missing)",
    "p474-1": "a bare set in the transcript (the box answers with a parsing error too)",
    "p478-1": "attribute not in force here or not modelled (protoco-type)",
    "p480-1": "attribute not in force here or not modelled (protoco-type)",
    "p482-1": "a command out of place in the transcript (config at that prompt)",
    "p503-1": "attribute not in force here or not modelled (client_auth_method)",
    "p508-1": "value refused: set client-id 49178883990-conasjq8hiero0rtc5olhk7c5719i36i.apps.googleusercontent.com -> Command fail. Return code is -11",
    "p511-1": "syntax placeholders printed as an example",
    "p514-1": "value refused: set ip 123 -> Command fail. Return code is -39",
    "p625-1": "value refused: get router info6 bgp summary -> Command fail. CLI parsing error",
}


def first_failure(commands: list[str]) -> tuple[str, str] | None:
    s = Appliance(None).session()
    for c in commands:
        if c.split()[0] in ("execute", "diagnose"):
            continue
        r = s.execute(c)
        if r.failed:
            return c, r.error
    return None


def test_the_fixture_is_what_the_extraction_reads() -> None:
    found = [p for p in REFERENCES if p.exists()]
    if not found:
        pytest.skip("the full CLI Reference (../shared/reference/fortiadc-7.4.4/cli-reference.txt) is not here")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import extract_examples
    finally:
        sys.path.pop(0)
    fresh = extract_examples.extract(found[0].read_text("utf-8"))
    assert fresh == json.loads(FIXTURE.read_text("utf-8"))["examples"]


def test_most_examples_apply() -> None:
    assert len(EXAMPLES) > 150
    assert len(EXAMPLES) - len(CANNOT) > 90
    assert set(CANNOT) <= {eid for eid, _ in EXAMPLES}


@pytest.mark.parametrize("eid,example", EXAMPLES, ids=[eid for eid, _ in EXAMPLES])
def test_an_example_applies_as_shown(eid: str, example: dict[str, object]) -> None:
    commands = example["commands"]
    assert isinstance(commands, list)
    failed = first_failure(commands)
    if eid in CANNOT:
        assert failed is not None, f"{eid} applies now: take it off CANNOT ({CANNOT[eid]})"
    else:
        assert failed is None, (eid, example["section"], failed)
