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
