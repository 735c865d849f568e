import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, User
from tests.dicomweb.conftest import BASE, SERIES_UID, STUDY_UID

pytestmark = pytest.mark.django_db
SERIES_URL = f"{BASE}/studies/{STUDY_UID}/series/{SERIES_UID}"


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/studies",
        f"{BASE}/series",
        f"{BASE}/instances",
        f"{BASE}/studies/{STUDY_UID}",
        f"{BASE}/studies/{STUDY_UID}/metadata",
        f"{SERIES_URL}/metadata",
        f"{SERIES_URL}/thumbnail",
        f"{SERIES_URL}/instances/1.2.3/frames/1",
        f"{SERIES_URL}/instances/1.2.3/rendered",
        f"{SERIES_URL}/instances/1.2.3/bulkdata/7FE00010",
    ],
)
def test_anonymous_requests_get_401_and_no_data(anonymous: APIClient, mr_series, url: str) -> None:
    mr_series(1)

    response = anonymous.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert STUDY_UID.encode() not in response.content
    assert not AuditEvent.objects.exists()


def test_anonymous_stow_is_refused(anonymous: APIClient, db: None) -> None:
    response = anonymous.generic(
        "POST", f"{BASE}/studies", b"--x--", content_type="multipart/related; boundary=x"
    )

    assert response.status_code == 401


def test_a_bad_token_is_refused(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get(f"{BASE}/studies").status_code == 401


def test_a_user_without_a_clinical_role_is_403(db: None) -> None:
    outsider = User.objects.create_user(username="olga", password="olga-pass-2026", role="guest")
    client = APIClient()
    client.force_authenticate(outsider)

    assert client.get(f"{BASE}/studies").status_code == 403


def test_a_session_user_may_search(alice: User) -> None:
    client = APIClient()
    client.force_login(alice)

    assert client.get(f"{BASE}/studies").status_code == 200


@override_settings(CORS_ALLOWED_ORIGINS=["https://viewer.example.org"])
def test_cors_preflight_needs_no_credentials(anonymous: APIClient) -> None:
    response = anonymous.options(
        f"{BASE}/studies",
        HTTP_ORIGIN="https://viewer.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, accept",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://viewer.example.org"
    assert "authorization" in response["Access-Control-Allow-Headers"]


@override_settings(CORS_ALLOWED_ORIGINS=["https://viewer.example.org"])
def test_cors_refuses_other_origins(anonymous: APIClient) -> None:
    response = anonymous.options(
        f"{BASE}/studies",
        HTTP_ORIGIN="https://evil.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert "Access-Control-Allow-Origin" not in response
