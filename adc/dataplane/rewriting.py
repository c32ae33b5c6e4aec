"""Content rewriting (``config load-balance content-rewriting``, CLI744 p. 145-149), sans-IO.

A virtual server's ``content-rewriting-list`` is consulted from top to bottom; "the first to match is
applied. If the traffic does not match any of the content rewriting rule conditions, the header is
not rewritten" (p. 146). Request rules (``action-type request``) are consulted for each request before
it is routed; response rules (``action-type response``) for each response head. A rule's match
conditions are ANDed (p. 148); a rule without condition matches everything.

Request actions
  * ``add_http_header``: the header ``header-name: header-value`` is added.
  * ``delete_http_header``: every ``header-name`` header is removed (only those whose value is
    ``header-value`` when that is set).
  * ``rewrite_http_header``: with ``host-status enable`` the Host header becomes ``host``; with
    ``referer-status enable`` the Referer becomes ``referer``; with ``url-status enable`` the request
    target becomes ``url`` (an absolute URL also replaces the Host header; a relative one does not,
    p. 147).
  * ``redirect``: the ADC answers ``302 Found`` (the handbook's example, p. 146; FortiADC's scripts
    default to 302 as well) with ``Location:`` the ``redirect`` string, in which ``$0``..``$9``
    stand for what the first, second... regular-expression condition captured (its first group, or
    the whole match when it has no group): the reference's ``https://$0/$1`` with host ``(.*)`` and
    URL ``^/(.*)$`` gives ``https://<host>/<path>`` (p. 148-149). Nothing reaches a member.
  * ``send-403-forbidden``: the ADC answers ``403 Forbidden``. Nothing reaches a member.

Response action
  * ``rewrite_http_location``: a response's Location header becomes ``location``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping, Sequence
from urllib.parse import urlsplit

from .content_routing import Condition, RequestFacts

__all__ = ["Outcome", "RewriteRule", "compile_rewrite", "rewrite_request", "rewrite_response"]

Headers = list[tuple[bytes, bytes]]
REQUEST_ACTIONS = ("add_http_header", "delete_http_header", "rewrite_http_header", "redirect", "send-403-forbidden")
_BACKREF = re.compile(r"\$(\d)")


@dataclass(frozen=True)
class RewriteRule:
    name: str
    action_type: str  # request | response
    action: str
    conditions: tuple[Condition, ...] = ()
    header_name: bytes = b""
    header_value: bytes = b""
    redirect: str = ""
    host: bytes | None = None  # None: not rewritten
    referer: bytes | None = None
    url: str | None = None
    location: bytes = b""

    def matches(self, facts: RequestFacts) -> bool:
        return all(c.test(facts) for c in self.conditions)


def compile_rewrite(name: str, values: Mapping[str, str], conditions: tuple[Condition, ...]) -> RewriteRule:
    """A rule from its attribute values (raises ``ValueError`` for an action its type does not allow)."""
    kind = values.get("action-type") or "request"
    action = values.get("action") or ""

    def on(attr: str) -> bool:
        return values.get(attr) == "enable"

    if kind == "response" and action != "rewrite_http_location":
        raise ValueError(f"action {action} is not a response action (CLI744 p. 147)")
    if kind == "request" and action not in REQUEST_ACTIONS:
        raise ValueError(f"action {action or '(none)'} is not a request action (CLI744 p. 147)")
    return RewriteRule(
        name=name,
        action_type=kind,
        action=action,
        conditions=conditions,
        header_name=values.get("header-name", "").encode("latin-1"),
        header_value=values.get("header-value", "").encode("latin-1"),
        redirect=values.get("redirect", ""),
        host=values.get("host", "").encode("latin-1") if on("host-status") else None,
        referer=values.get("referer", "").encode("latin-1") if on("referer-status") else None,
        url=values.get("url", "") if on("url-status") else None,
        location=values.get("location", "").encode("latin-1"),
    )


@dataclass(frozen=True)
class Outcome:
    """What a request rule did: an answer of the ADC's own (status and headers), or the request as
    it goes on (target and headers)."""

    rule: str = ""
    status: int = 0  # 302 or 403 when the ADC answers itself
    location: str = ""
    target: bytes = b""
    headers: Headers | None = None


def _backrefs(text: str, rule: RewriteRule, facts: RequestFacts) -> str:
    groups: list[str] = []
    for c in rule.conditions:
        m = c.search(facts)
        if m is not None:
            groups.append(m.group(1) if m.re.groups else m.group(0))
    return _BACKREF.sub(lambda m: groups[int(m.group(1))] if int(m.group(1)) < len(groups) else "", text)


def _set(headers: Headers, name: bytes, value: bytes) -> Headers:
    out = [(n, v) for n, v in headers if n.lower() != name]
    out.append((name, value))
    return out


def rewrite_request(rules: Sequence[RewriteRule], facts: RequestFacts, target: bytes, headers: Headers) -> Outcome:
    """Apply the first matching request rule; ``Outcome.status`` set means answer instead of forwarding."""
    for rule in rules:
        if rule.action_type != "request" or not rule.matches(facts):
            continue
        action = rule.action
        if action == "redirect":
            return Outcome(rule.name, 302, location=_backrefs(rule.redirect, rule, facts))
        if action == "send-403-forbidden":
            return Outcome(rule.name, 403)
        if action == "add_http_header":
            return Outcome(rule.name, target=target, headers=[*headers, (rule.header_name, rule.header_value)])
        if action == "delete_http_header":
            name = rule.header_name.lower()
            kept = [(n, v) for n, v in headers
                    if not (n.lower() == name and (not rule.header_value or v == rule.header_value))]
            return Outcome(rule.name, target=target, headers=kept)
        # rewrite_http_header
        out = headers
        if rule.host is not None:
            out = _set(out, b"host", rule.host)
        if rule.referer is not None:
            out = _set(out, b"referer", rule.referer)
        if rule.url is not None:
            parts = urlsplit(rule.url)
            if parts.scheme and parts.netloc:
                out = _set(out, b"host", parts.netloc.encode("latin-1"))
                path = parts.path or "/"
                target = (path + ("?" + parts.query if parts.query else "")).encode("latin-1")
            else:
                target = ("/" + rule.url.lstrip("/")).encode("latin-1")
        return Outcome(rule.name, target=target, headers=out)
    return Outcome(target=target, headers=headers)


def rewrite_response(rules: Sequence[RewriteRule], facts: RequestFacts, headers: Headers) -> Headers:
    """Apply the first matching response rule to a response head (``facts.location``: its Location)."""
    location = next((v for n, v in headers if n.lower() == b"location"), None)
    if location is not None:
        facts = replace(facts, location=location.decode("latin-1"))
    for rule in rules:
        if rule.action_type != "response" or not rule.matches(facts):
            continue
        if location is None:
            return headers  # nothing to rewrite: the first match still ends the search
        return [(n, rule.location if n.lower() == b"location" else v) for n, v in headers]
    return headers
