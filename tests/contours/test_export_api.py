"""Export through the API: who may send, download and configure, and what each leaves behind."""

import io
from typing import Any

import pytest
from pydicom import dcmread
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, User
from assist_web.contours.models import Approval, Export, ExportDestination
from tests.contours.factories import ArchivedRevision, approved, archived_revision

pytestmark = pytest.mark.django_db


def _client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def archived(alice: User) -> ArchivedRevision:
    return archived_revision(author=alice)


@pytest.fixture
def signed(archived: ArchivedRevision, alice: User) -> ArchivedRevision:
    """The revision approved: only approved revisions go to a planning system."""
    approved(archived, alice)
    return archived


@pytest.fixture
def planning(db: None) -> ExportDestination:
    return ExportDestination.objects.create(
        name="Planning", ae_title="TPS", host="127.0.0.1", port=11113
    )


def test_a_physician_sends_the_rtstruct_and_seg_and_the_tasks_go_after_commit(
    alice: User,
    signed: ArchivedRevision,
    planning: ExportDestination,
    sent_tasks: list[tuple[str, dict[str, Any]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = f"/api/v1/revisions/{signed.revision.pk}/exports/"

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(alice).post(
            url, {"destination": planning.pk, "objects": ["rtstruct", "seg"]}, format="json"
        )

    assert response.status_code == 202, response.json()
    body = response.json()
    assert [(e["object"], e["kind"], e["state"], e["destination_name"]) for e in body] == [
        ("rtstruct", "cstore", "queued", "Planning"),
        ("seg", "cstore", "queued", "Planning"),
    ]
    assert [e["sop_instance_uid"] for e in body] == [
        Approval.objects.get(revision=signed.revision).rtstruct_sop_instance_uid,  # APPROVED
        signed.revision.seg_sop_instance_uid,
    ]
    assert sent_tasks == [
        ("contours.export_send", {"args": [e["id"]], "queue": "default"}) for e in body
    ]
    assert list(
        AuditEvent.objects.filter(action="export").values_list("username", "study_uid")
    ) == [("alice", signed.study.study_instance_uid)]


def test_a_physicist_may_not_send(
    pete: User, signed: ArchivedRevision, planning: ExportDestination, sent_tasks: list
) -> None:
    response = _client(pete).post(
        f"/api/v1/revisions/{signed.revision.pk}/exports/",
        {"destination": planning.pk},
        format="json",
    )

    assert response.status_code == 403
    assert (Export.objects.count(), sent_tasks, AuditEvent.objects.count()) == (0, [], 0)


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"objects": ["rtstruct"]}, "destination"),
        ({"objects": ["dose"]}, "objects"),
        ({"objects": []}, "objects"),
    ],
)
def test_a_send_with_bad_input_is_refused(
    alice: User,
    signed: ArchivedRevision,
    planning: ExportDestination,
    sent_tasks: list,
    request_body: dict[str, object],
    message: str,
) -> None:
    body = {"destination": planning.pk, **request_body}
    if message == "destination":
        body["destination"] = planning.pk + 1000

    response = _client(alice).post(
        f"/api/v1/revisions/{signed.revision.pk}/exports/", body, format="json"
    )

    assert response.status_code == 400
    assert message in response.json()
    assert (Export.objects.count(), sent_tasks) == (0, [])


def test_a_disabled_destination_or_a_missing_object_is_refused(
    alice: User, signed: ArchivedRevision, planning: ExportDestination, sent_tasks: list
) -> None:
    url = f"/api/v1/revisions/{signed.revision.pk}/exports/"
    signed.revision.__class__.objects.filter(pk=signed.revision.pk).update(seg_sop_instance_uid="")

    missing = _client(alice).post(url, {"destination": planning.pk, "objects": ["seg"]})
    planning.enabled = False
    planning.save()
    disabled = _client(alice).post(url, {"destination": planning.pk}, format="json")

    assert (missing.status_code, missing.json()) == (
        400,
        {"detail": "Revision 1 has no SEG in the archive."},
    )
    assert disabled.status_code == 400
    assert (Export.objects.count(), sent_tasks) == (0, [])


def test_an_unapproved_revision_is_not_sent(
    alice: User,
    archived: ArchivedRevision,
    planning: ExportDestination,
    sent_tasks: list,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(alice).post(
            f"/api/v1/revisions/{archived.revision.pk}/exports/",
            {"destination": planning.pk, "objects": ["rtstruct", "seg"]},
            format="json",
        )

    assert (response.status_code, response.json()) == (
        409, {"detail": "Approve the revision before sending it to the planning system."}
    )  # fmt: skip
    assert (Export.objects.count(), sent_tasks, AuditEvent.objects.count()) == (0, [], 0)


def test_the_rtstruct_of_an_approved_revision_downloads_as_approved(
    pete: User, signed: ArchivedRevision
) -> None:
    response = _client(pete).get(f"/api/v1/revisions/{signed.revision.pk}/rtstruct/")

    assert response.status_code == 200
    downloaded = dcmread(io.BytesIO(b"".join(response.streaming_content)))
    approval = Approval.objects.get(revision=signed.revision)
    assert downloaded.SOPInstanceUID == approval.rtstruct_sop_instance_uid
    assert (downloaded.ApprovalStatus, str(downloaded.ReviewerName)) == ("APPROVED", "Alice")
    assert Export.objects.get().sop_instance_uid == approval.rtstruct_sop_instance_uid


@pytest.mark.parametrize(("kind", "attribute"), [("rtstruct", "rtstruct"), ("seg", "seg")])
def test_downloads_are_the_archived_bytes_and_are_recorded(
    pete: User, archived: ArchivedRevision, kind: str, attribute: str
) -> None:
    response = _client(pete).get(f"/api/v1/revisions/{archived.revision.pk}/{kind}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == getattr(archived, attribute)
    assert response["Content-Type"] == "application/dicom"
    assert response["Content-Disposition"] == (
        f'attachment; filename="revision-{archived.revision.pk}-{kind}.dcm"'
    )
    export = Export.objects.get()
    assert (export.kind, export.object, export.state, export.requested_by) == (
        "download",
        kind,
        "succeeded",
        pete,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.username, event.study_uid) == (
        "export",
        "pete",
        archived.study.study_instance_uid,
    )


def test_the_study_history_lists_every_export_newest_first(
    alice: User, pete: User, archived: ArchivedRevision, planning: ExportDestination
) -> None:
    Export.objects.create(
        revision=archived.revision, destination=planning, kind="cstore", object="rtstruct",
        sop_instance_uid=archived.revision.rtstruct_sop_instance_uid, requested_by=alice,
        state="failed", error="Planning rejected the association.",
    )  # fmt: skip
    _client(pete).get(f"/api/v1/revisions/{archived.revision.pk}/seg/")

    response = _client(pete).get(f"/api/v1/studies/{archived.study.study_instance_uid}/exports/")

    assert response.status_code == 200
    assert [
        (e["kind"], e["object"], e["state"], e["requested_by"], e["error"]) for e in response.json()
    ] == [
        ("download", "seg", "succeeded", "pete", ""),
        ("cstore", "rtstruct", "failed", "alice", "Planning rejected the association."),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/revisions/{rev}/exports/",
        "/api/v1/revisions/{rev}/rtstruct/",
        "/api/v1/revisions/{rev}/seg/",
        "/api/v1/studies/{study}/exports/",
        "/api/v1/export-destinations/",
    ],
)
def test_anonymous_is_refused_everything(
    anonymous: APIClient, archived: ArchivedRevision, url: str
) -> None:
    url = url.format(rev=archived.revision.pk, study=archived.study.study_instance_uid)

    responses = [anonymous.get(url), anonymous.post(url, {}, format="json")]

    assert [r.status_code for r in responses] == [401, 401]
    assert (Export.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_the_api_lists_destinations_but_cannot_change_them(
    sam: User, planning: ExportDestination
) -> None:
    admin = _client(sam)
    url = "/api/v1/export-destinations/"

    listed = admin.get(url)
    writes = [
        admin.post(url, {"name": "X", "ae_title": "X", "host": "h", "port": 1}),
        admin.put(url, {}),
        admin.patch(url, {}),
        admin.delete(url),
    ]

    assert listed.json() == [{"id": planning.pk, "name": "Planning"}]
    assert [r.status_code for r in writes] == [405, 405, 405, 405]
    assert list(ExportDestination.objects.values_list("name", flat=True)) == ["Planning"]


def test_only_a_site_admin_configures_destinations_in_the_admin(
    alice: User, sam: User, settings: Any
) -> None:
    settings.ASSIST_AE_TITLE = "ASSIST_SITE"
    form = {"name": "Planning", "ae_title": "TPS", "host": "tps.local", "port": "104",
            "calling_ae_title": "ASSIST_SITE", "enabled": "on"}  # fmt: skip
    physician, admin = APIClient(), APIClient()
    physician.force_login(alice)
    admin.force_login(sam)
    add = "/admin/contours/exportdestination/add/"

    refused = [physician.get(add), physician.post(add, form)]
    assert [r.status_code for r in refused] == [302, 302]
    assert all(r["Location"].startswith("/admin/login/") for r in refused)
    assert ExportDestination.objects.count() == 0

    shown = admin.get(add)
    saved = admin.post(add, form)

    assert 'value="ASSIST_SITE"' in shown.content.decode()  # the calling AE defaults to ours
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert list(ExportDestination.objects.values_list("name", "ae_title", "port")) == [
        ("Planning", "TPS", 104)
    ]


def test_the_admin_refuses_a_bad_ae_title(sam: User) -> None:
    admin = APIClient()
    admin.force_login(sam)

    response = admin.post(
        "/admin/contours/exportdestination/add/",
        {
            "name": "P",
            "ae_title": "A\\B",
            "host": "h",
            "port": "104",
            "calling_ae_title": "ASSIST",
            "enabled": "on",
        },  # fmt: skip
    )

    assert response.status_code == 200
    assert "An AE title is 1 to 16 printable characters" in response.content.decode()
    assert ExportDestination.objects.count() == 0
