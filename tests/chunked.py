"""Requests whose body comes ``Transfer-Encoding: chunked`` without ``Content-Length``, as a
WSGI server hands them to Django: gunicorn de-chunks the body and sets
``wsgi.input_terminated`` (``terminated=True``); wsgiref and Django's development server
(``terminated=False``) pass the raw stream with no length. Through Django's test client, so
the whole middleware stack and the URL routing run."""

from __future__ import annotations

import io

from django.test import Client


def post_chunked(
    path: str,
    body: bytes,
    *,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    terminated: bool = True,
    client: Client | None = None,
):
    environ = {"wsgi.input": io.BytesIO(body), "HTTP_TRANSFER_ENCODING": "chunked"}
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if terminated:
        environ["wsgi.input_terminated"] = True
    # No data: the test client then sets no CONTENT_LENGTH, as a server does for chunked.
    return (client or Client()).generic("POST", path, headers=headers, **environ)
