"""Logging filters that keep patient data out of the logs."""

import logging
import re

_QUERY = re.compile(r"\?[^ ]*")


class QueryStringDropped(logging.Filter):
    """Cuts the query string from the request line of runserver's log ('"GET /path?q HTTP/1.1"
    200 12'): QIDO searches carry patient names, IDs and birth dates there."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            record.args = (_QUERY.sub("", args[0]), *args[1:])
        return True
