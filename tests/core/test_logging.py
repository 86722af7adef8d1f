"""An ordinary 403 (a view's permission_required) logs one short warning line: no traceback,
not printed twice; a 500 keeps its traceback."""

from __future__ import annotations

import io
import logging
import sys

from django.urls import reverse

from apps.core.logs import ClientErrorWithoutTraceback


def test_permission_denied_logs_one_warning_without_traceback(support_user, client_for, caplog):
    caplog.set_level(logging.INFO)
    response = client_for(support_user).get(reverse("ledger:accounts"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /ledger/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def _stream_handlers(name: str) -> list[logging.StreamHandler]:
    """Every handler that prints a record of logger ``name`` (walking up to the root)."""
    handlers, logger = [], logging.getLogger(name)
    while logger is not None:
        handlers += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    return handlers


def test_permission_denied_is_printed_once_even_with_debug_on(support_user, client_for, settings):
    # Django's own "django" console handler prints only when DEBUG is on (make run).
    settings.DEBUG = True
    out = io.StringIO()
    handlers = _stream_handlers("django.request")
    assert handlers
    streams = [h.setStream(out) for h in handlers]
    try:
        client_for(support_user).get(reverse("ledger:accounts"))
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)
    printed = out.getvalue()
    assert printed.count("Forbidden (Permission denied): /ledger/") == 1
    assert "Traceback" not in printed


def test_server_errors_keep_their_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None
        )
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert ClientErrorWithoutTraceback().filter(record) is True
    assert record.exc_info is not None
