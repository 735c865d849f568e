"""Access logs of the deployment and of the demo site leave query strings out: QIDO searches
carry patient names, IDs and birth dates there, and no patient data belongs in a log."""

import logging
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# nginx variables that hold the query string, alone or inside the request line.
_NGINX_QUERY = re.compile(r"\$(request|request_uri|args|query_string|arg_\w+)\b")


def test_nginx_logs_every_request_in_a_format_without_its_query() -> None:
    conf = (REPO / "deploy/nginx.conf").read_text()
    formats = dict(re.findall(r"log_format\s+(\w+)\s+((?:'[^']*'\s*)+);", conf))
    access_logs = re.findall(r"access_log\s+\S+\s+(\w+)\s*;", conf)
    servers = conf.count("server {")

    assert formats, "nginx.conf defines no log_format of its own"
    assert len(access_logs) == servers, "every server block names its access_log format"
    for name in access_logs:
        assert name in formats
        assert "$uri" in formats[name]
        assert not _NGINX_QUERY.search(formats[name]), formats[name]


def test_the_demo_sites_gunicorn_logs_paths_without_queries() -> None:
    script = (REPO / "scripts/dev").read_text()
    log_format = re.search(r"--access-logformat '([^']*)'", script)

    assert "--access-logfile" in script and log_format is not None
    assert "%(U)s" in log_format.group(1)
    assert not re.search(r"%\((r|q)\)s", log_format.group(1))  # request line, query string


def test_runserver_logs_request_lines_without_queries(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("django.server")
    line = "GET /dicomweb/studies?PatientName=DOE^JOHN&PatientID=123456 HTTP/1.1"

    with caplog.at_level(logging.INFO, logger="django.server"):
        logger.addHandler(caplog.handler)
        try:
            logger.info('"%s" %s %s', line, "200", "17")
            logger.warning('"%s" %s %s', "GET /studies?PatientID=123456", "400", "9")
        finally:
            logger.removeHandler(caplog.handler)

    assert [r.getMessage() for r in caplog.records] == [
        '"GET /dicomweb/studies HTTP/1.1" 200 17',
        '"GET /studies" 400 9',
    ]
