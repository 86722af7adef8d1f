"""Logging filters used by ``settings.LOGGING``."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Django logs every 4xx it turns an exception into (PermissionDenied, a bad request) with
    the exception's traceback. A 403 is an ordinary answer, not a bug: keep the one warning
    line and drop the traceback; 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
