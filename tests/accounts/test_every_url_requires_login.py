"""Walk every URL pattern anonymously: nothing but the login pages may answer with content."""

import pytest
from rest_framework.test import APIClient

from tests.routes import PARAMETER, all_routes

pytestmark = pytest.mark.django_db

# The only views an anonymous visitor may reach: the ways to log in, and static assets.
PUBLIC = {"accounts:login", "admin:login", "accounts:logout", "admin:logout"}
_SAMPLE = {"int": "1", "path": "x/y", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


def _concrete(route: str) -> str | None:
    if route.startswith("^"):
        # Regex routes (the admin's catch-alls) have no simple sample; the admin's own
        # named routes cover the same views.
        return None
    url = PARAMETER.sub(lambda m: _SAMPLE.get(m["converter"] or "", "1.2.3"), route)
    return "/" + url


ROUTES = [
    (name, url)
    for name, route in all_routes()
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
