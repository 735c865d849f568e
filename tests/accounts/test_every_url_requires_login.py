"""Walk every URL pattern anonymously: nothing but the login pages may answer with content."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# The only views an anonymous visitor may reach: the ways to log in, and static assets.
PUBLIC = {"accounts:login", "admin:login", "accounts:logout", "admin:logout"}
_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_SAMPLE = {"int": "1", "path": "x/y", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_walk(entry.url_patterns, route, ns))
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}{entry.name or ''}", route))
    return found


def _concrete(route: str) -> str | None:
    if route.startswith("^"):
        # Regex routes (the admin's catch-alls) have no simple sample; the admin's own
        # named routes cover the same views.
        return None
    url = _PARAMETER.sub(lambda m: _SAMPLE.get(m["converter"] or "", "1.2.3"), route)
    return "/" + url


ROUTES = [
    (name, url)
    for name, route in _walk(get_resolver().url_patterns)
    if (url := _concrete(route)) is not None and name not in PUBLIC
]


def test_the_walk_found_the_apps_routes() -> None:
    urls = [url for _, url in ROUTES]
    assert "/api/v1/uploads/" in urls
    assert any(url.startswith("/dicomweb/") for url in urls)
    assert any(url.startswith("/admin/") for url in urls)


@pytest.mark.parametrize(("name", "url"), ROUTES, ids=[url for _, url in ROUTES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_request_is_refused(
    anonymous: APIClient, name: str, url: str, method: str
) -> None:
    response = getattr(anonymous, method)(url)

    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith(("/accounts/login/", "/admin/login/")), location
    else:
        assert response.status_code in (401, 403, 405), (url, response.status_code)
        assert response.status_code != 405 or method == "post"
