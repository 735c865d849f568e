"""The remote-PACS API against a real Orthanc: list, search, start and follow pulls."""

from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, User
from assist_web.archive.models import Instance, PacsPull, RemotePacs
from assist_web.archive.pacs import client
from assist_web.archive.tasks import pacs_pull_run
from tests.peers.fixtures import unused_url
from tests.peers.orthanc import OrthancPeer
from tests.peers.studies import orthanc_study_upload

pytestmark = [pytest.mark.peers, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "RETRY_BASE_DELAY_S", 0.01)


def test_clinical_users_see_enabled_remotes_by_id_and_name_only(
    api: APIClient, orthanc_remote: RemotePacs
) -> None:
    RemotePacs.objects.create(name="Old PACS", base_url="http://old.invalid", enabled=False)

    response = api.get("/api/v1/pacs/")

    assert response.status_code == 200
    assert response.json() == [{"id": orthanc_remote.pk, "name": "Orthanc"}]


def test_search_by_patient_and_date_range(
    api: APIClient, orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User
) -> None:
    wanted = orthanc_study_upload(orthanc, instances=2, patient_id="P-7", study_date="20240301")
    orthanc_study_upload(orthanc, instances=1, patient_id="P-7", study_date="20230301")
    orthanc_study_upload(orthanc, instances=1, patient_id="P-8", study_date="20240301")

    response = api.get(
        f"/api/v1/pacs/{orthanc_remote.pk}/studies",
        {"PatientID": "P-7", "StudyDate": "20240101-20241231"},
    )

    assert response.status_code == 200, response.json()
    [study] = response.json()
    assert study["study_instance_uid"] == wanted.study_uid
    assert (study["patient_id"], study["study_date"], study["modalities"]) == (
        "P-7",
        "20240301",
        "MR",
    )
    assert (study["num_series"], study["num_instances"]) == (1, 2)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SEARCH)
    assert (event.user, event.study_uid) == (alice, wanted.study_uid)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Give a PatientID or a StudyDate"),
        ({"StudyDate": "2024-01-01"}, "StudyDate must be YYYYMMDD"),
        ({"StudyDate": "20241231-20240101"}, "ends before it starts"),
    ],
)
def test_bad_search_parameters_are_a_400(
    api: APIClient, orthanc_remote: RemotePacs, query: dict[str, str], message: str
) -> None:
    response = api.get(f"/api/v1/pacs/{orthanc_remote.pk}/studies", query)

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_an_unreachable_pacs_is_a_502_with_a_reason(api: APIClient) -> None:
    remote = RemotePacs.objects.create(name="Down", base_url=unused_url())

    response = api.get(f"/api/v1/pacs/{remote.pk}/studies", {"PatientID": "P-7"})

    assert response.status_code == 502
    assert "PACS Down is unreachable" in response.json()["detail"]


def test_wrong_credentials_are_a_502_naming_authentication(
    api: APIClient, orthanc_remote: RemotePacs
) -> None:
    RemotePacs.objects.filter(pk=orthanc_remote.pk).update(secret="wrong")

    response = api.get(f"/api/v1/pacs/{orthanc_remote.pk}/studies", {"PatientID": "P-7"})

    assert response.status_code == 502
    assert "authentication" in response.json()["detail"]


def test_a_pull_is_queued_after_commit_and_runs_by_id(
    api: APIClient,
    orthanc: OrthancPeer,
    orthanc_remote: RemotePacs,
    alice: User,
    data_dir: Path,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = orthanc_study_upload(orthanc, instances=3)
    queued: list[int] = []
    monkeypatch.setattr(pacs_pull_run, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/pulls/",
            {"remote": orthanc_remote.pk, "study_uid": sent.study_uid},
            format="json",
        )

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["state"], body["study_instance_uid"]) == ("queued", sent.study_uid)
    assert queued == [body["id"]]
    assert PacsPull.objects.get().requested_by == alice

    pacs_pull_run(body["id"])

    pull = api.get(f"/api/v1/pulls/{body['id']}/").json()
    assert (pull["state"], pull["num_stored"], pull["num_duplicate"], pull["num_refused"]) == (
        "succeeded",
        3,
        0,
        0,
    )
    for instance in Instance.objects.all():
        assert (data_dir / "dicom" / instance.path).read_bytes() == sent.files[
            instance.sop_instance_uid
        ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"study_uid": "1.2.3", "patient_id": "P"}, "not both"),
        ({}, "Give a study_uid, or a patient_id"),
        ({"study_uid": "1.02.3"}, "not a valid DICOM UID"),
        ({"patient_id": "P", "date_from": "2024-05-01", "date_to": "2024-04-01"}, "ends before"),
    ],
)
def test_bad_pull_requests_are_a_400_and_record_nothing(
    api: APIClient, orthanc_remote: RemotePacs, body: dict[str, str], message: str
) -> None:
    response = api.post("/api/v1/pulls/", {"remote": orthanc_remote.pk, **body}, format="json")

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not PacsPull.objects.exists()


def test_a_pull_from_a_disabled_or_unknown_remote_is_a_400(
    api: APIClient, orthanc_remote: RemotePacs
) -> None:
    RemotePacs.objects.filter(pk=orthanc_remote.pk).update(enabled=False)

    response = api.post(
        "/api/v1/pulls/", {"remote": orthanc_remote.pk, "study_uid": "1.2.3"}, format="json"
    )

    assert response.status_code == 400
    assert "remote" in response.json()
    assert not PacsPull.objects.exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/pacs/"),
        ("get", "/api/v1/pacs/1/studies"),
        ("post", "/api/v1/pulls/"),
        ("get", "/api/v1/pulls/1/"),
    ],
)
def test_anonymous_callers_are_refused(anonymous: APIClient, method: str, url: str) -> None:
    response = getattr(anonymous, method)(url)

    assert response.status_code in (401, 403)


def test_physicists_may_search_and_pull(
    pete: User, orthanc: OrthancPeer, orthanc_remote: RemotePacs
) -> None:
    client_ = APIClient()
    client_.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=pete).key}")

    response = client_.post(
        "/api/v1/pulls/", {"remote": orthanc_remote.pk, "patient_id": "P-1"}, format="json"
    )

    assert response.status_code == 202


def test_only_site_admins_open_the_remote_pacs_admin_and_never_see_the_secret(
    alice: User, sam: User, orthanc_remote: RemotePacs
) -> None:
    physician, admin = APIClient(), APIClient()
    physician.force_login(alice)
    admin.force_login(sam)
    url = f"/admin/archive/remotepacs/{orthanc_remote.pk}/change/"

    refused = physician.get(url)
    shown = admin.get(url)

    assert refused.status_code == 302 and refused["Location"].startswith("/admin/login/")
    assert shown.status_code == 200
    assert orthanc_remote.secret not in shown.content.decode()


def test_saving_the_admin_form_without_a_secret_keeps_the_stored_one(
    sam: User, orthanc_remote: RemotePacs
) -> None:
    admin = APIClient()
    admin.force_login(sam)

    response = admin.post(
        f"/admin/archive/remotepacs/{orthanc_remote.pk}/change/",
        {
            "name": "Orthanc renamed",
            "base_url": orthanc_remote.base_url,
            "auth_kind": "basic",
            "username": orthanc_remote.username,
            "secret": "",
            "verify_tls": "on",
            "enabled": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    orthanc_remote.refresh_from_db()
    assert (orthanc_remote.name, orthanc_remote.secret) == ("Orthanc renamed", "orthanc-test-pass")


def test_a_physician_is_refused_the_admin_for_pulls(alice: User) -> None:
    physician = APIClient()
    physician.force_login(alice)

    assert physician.get("/admin/archive/pacspull/").status_code == 302


def test_a_site_admin_sees_pulls_in_the_admin_read_only(
    sam: User, alice: User, orthanc_remote: RemotePacs
) -> None:
    pull = PacsPull.objects.create(remote=orthanc_remote, requested_by=alice, patient_id="P-1")
    admin = APIClient()
    admin.force_login(sam)

    listed = admin.get("/admin/archive/pacspull/")
    change = admin.post(f"/admin/archive/pacspull/{pull.pk}/change/", {"state": "succeeded"})

    assert listed.status_code == 200
    assert change.status_code == 403
    pull.refresh_from_db()
    assert pull.state == PacsPull.State.QUEUED
