"""Raw request bodies of the signed endpoints (inbound webhooks, the sandbox processor's
callback): read once, within a size limit, whatever the framing, and only when they say they
are JSON.

Framing: a body comes with ``Content-Length`` or, from HTTP/1.1 clients, ``Transfer-Encoding:
chunked`` and no length. Django reads at most ``CONTENT_LENGTH`` bytes, so a chunked body
reads as empty: a correct signature would fail and an oversized body would pass the size check.
Gunicorn (the production server) de-chunks the body and says so with ``wsgi.input_terminated``:
its ``wsgi.input`` then ends where the body ends, and :func:`body_reader` reads from it. A
server that does not (Django's development server, wsgiref) cannot delimit the body, so such a
request is refused with 411 ``length_required`` rather than read as empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.http import parse_header_parameters

JSON_MEDIA_TYPE = "application/json"
_UTF8 = {"utf-8", "utf8"}


class BodyRefused(Exception):
    """The body cannot be taken: ``status``, ``code`` and ``detail`` of the error answer."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        super().__init__(f"{status} {code}: {detail}")


def _is_chunked(meta: Mapping[str, Any]) -> bool:
    codings = str(meta.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return "chunked" in (coding.strip() for coding in codings.split(","))


def _declared_length(meta: Mapping[str, Any]) -> int | None:
    """``Content-Length`` as a number; None when absent (or not a number: gunicorn refuses
    those before the application sees them, and Django reads nothing for them)."""
    try:
        return int(meta.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def body_reader(request: HttpRequest) -> Callable[[int], bytes]:
    """``read(n)`` of the request's raw body: Django's own, except for a chunked body that the
    server has already delimited (``wsgi.input_terminated``), which Django would read as
    empty; that one is read from the server's stream."""
    meta = request.META
    if _declared_length(meta) is None and _is_chunked(meta) and meta.get("wsgi.input_terminated"):
        return meta["wsgi.input"].read
    return request.read


def body_read(meta: Mapping[str, Any], read: Callable[[int], bytes], limit: int) -> bytes:
    """The raw body (at most ``limit`` bytes) through ``read``. Refuses 411 a chunked body the
    server does not delimit, and 413 a declared length over ``limit`` (before reading) or an
    actual one (while reading: never more than ``limit + 1`` bytes are read)."""
    declared = _declared_length(meta)
    if declared is None and _is_chunked(meta) and not meta.get("wsgi.input_terminated"):
        raise BodyRefused(
            411,
            "length_required",
            "Send the body with a Content-Length header (this server cannot read a chunked body).",
        )
    too_large = BodyRefused(413, "payload_too_large", f"The body is larger than {limit} bytes.")
    if declared is not None and declared > limit:
        raise too_large
    body = read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


def json_media_type_check(meta: Mapping[str, Any]) -> None:
    """415 ``unsupported_media_type`` unless ``Content-Type`` is ``application/json``
    (parameters allowed; a ``charset``, if given, must be UTF-8)."""
    content_type = str(meta.get("CONTENT_TYPE") or "")
    media_type, params = parse_header_parameters(content_type)
    charset = params.get("charset")
    if media_type == JSON_MEDIA_TYPE and (charset is None or charset.lower() in _UTF8):
        return
    shown = content_type[:100] or "none"
    raise BodyRefused(
        415,
        "unsupported_media_type",
        f"Send the body as Content-Type: application/json (UTF-8); got {shown!r}.",
    )
