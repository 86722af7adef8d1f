"""Who is making the current request, kept for the audit log without passing the request
through every service call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def current_request_context() -> RequestContext:
    return _current.get() or RequestContext()


def set_request_context(context: RequestContext | None):
    return _current.set(context)


def reset_request_context(token) -> None:
    _current.reset(token)
