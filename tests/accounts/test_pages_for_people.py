import pytest
from django.test import Client

from assist_web.accounts.models import Role, User

pytestmark = pytest.mark.django_db
PAGES = ["/", "/upload/", "/viewer/1.2.3/"]


@pytest.mark.parametrize("url", PAGES)
def test_a_worker_identity_cannot_open_patient_pages(url: str) -> None:
    client = Client()
    client.force_login(User.objects.create_user(username="gpu-1", role=Role.WORKER))

    assert client.get(url).status_code == 403


def test_people_of_every_clinical_role_see_the_study_list(
    alice: User, pete: User, sam: User
) -> None:
    for person in (alice, pete, sam):
        client = Client()
        client.force_login(person)
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("cookie", ["aaaaaaaa\x00bbb", "\x00" * 32, "ABCDEFGHIJKLMNOP", "é" * 32])
def test_a_crafted_session_cookie_is_no_session_not_an_error(cookie: str, db: None) -> None:
    client = Client(raise_request_exception=False)

    page = client.get("/", HTTP_COOKIE=f"sessionid={cookie}")
    api = client.get("/dicomweb/studies", HTTP_COOKIE=f"sessionid={cookie}")

    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert api.status_code in (401, 403)
