"""apps/core/bodies.py: the raw body of a signed endpoint, whatever its framing, within its
limit, and only as JSON."""

from __future__ import annotations

import io

import pytest

from apps.core.bodies import BodyRefused, body_read, json_media_type_check

BODY = b'{"id": "evt_1"}'


def _read(meta: dict, body: bytes = BODY, limit: int = 100) -> bytes:
    return body_read(meta, io.BytesIO(body).read, limit)


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(BodyRefused) as raised:
        call()
    return raised.value.status, raised.value.code


def test_a_body_with_content_length_is_read():
    assert _read({"CONTENT_LENGTH": str(len(BODY))}) == BODY


def test_a_declared_length_over_the_limit_is_413_before_reading():
    def read(size: int) -> bytes:
        raise AssertionError("read before the declared length was checked")

    assert _refusal(lambda: body_read({"CONTENT_LENGTH": "101"}, read, 100)) == (
        413,
        "payload_too_large",
    )


def test_an_actual_length_over_the_limit_is_413_whatever_was_declared():
    assert _refusal(lambda: _read({"CONTENT_LENGTH": "5"}, b"x" * 101)) == (
        413,
        "payload_too_large",
    )
    assert _read({"CONTENT_LENGTH": "5"}, b"x" * 100) == b"x" * 100


def test_a_chunked_body_delimited_by_the_server_is_read_within_the_limit():
    meta = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}
    assert _read(meta) == BODY
    assert _read(meta, b"x" * 100) == b"x" * 100
    assert _refusal(lambda: _read(meta, b"x" * 101)) == (413, "payload_too_large")


@pytest.mark.parametrize("coding", ["chunked", "Chunked", "gzip, chunked"])
def test_a_chunked_body_the_server_cannot_delimit_is_411(coding):
    def read(size: int) -> bytes:
        raise AssertionError("an undelimited body was read")

    meta = {"HTTP_TRANSFER_ENCODING": coding}
    assert _refusal(lambda: body_read(meta, read, 100)) == (411, "length_required")


def test_no_length_and_no_chunks_is_an_empty_body():
    assert _read({}, b"") == b""


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON; Charset=UTF-8",
        "application/json;charset=utf8",
        'application/json; charset="utf-8"',
    ],
)
def test_json_media_types_pass(content_type):
    json_media_type_check({"CONTENT_TYPE": content_type})


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/json-patch+json",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
    ],
)
def test_other_media_types_are_415(content_type):
    meta = {} if content_type is None else {"CONTENT_TYPE": content_type}
    assert _refusal(lambda: json_media_type_check(meta)) == (415, "unsupported_media_type")
