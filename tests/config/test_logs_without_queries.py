"""Access logs of the deployment and of the demo site leave query strings out: QIDO searches
carry patient names, IDs and birth dates there, and no patient data belongs in a log."""

import re
from pathlib import Path

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
