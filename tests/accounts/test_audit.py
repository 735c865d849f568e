import pytest
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, User
from assist_web.archive.ingest import instance_ingest
from tests.dicom_files import mr_slice, to_bytes

pytestmark = pytest.mark.django_db


def _study_with_two_slices() -> tuple[str, str, list[str]]:
    results = [
        instance_ingest(
            data=to_bytes(mr_slice(study_uid="1.2.5", series_uid="1.2.5.1", instance_number=n))
        )
        for n in (1, 2)
    ]
    return "1.2.5", "1.2.5.1", [r.sop_instance_uid for r in results]


def _frames(client: APIClient, study: str, series: str, sop: str, **extra: str) -> int:
    url = f"/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/1"
    return client.get(
        url, HTTP_ACCEPT="multipart/related; type=application/octet-stream", **extra
    ).status_code


def test_a_viewer_loading_a_study_is_one_audited_read_with_who_what_where(api: APIClient) -> None:
    study, series, sops = _study_with_two_slices()

    assert [_frames(api, study, series, sop) for sop in sops] == [200, 200]

    event = AuditEvent.objects.get(action="read")
    assert (event.username, event.study_uid, event.remote_addr) == ("alice", study, "127.0.0.1")
    assert event.resource.endswith(f"/instances/{sops[0]}/frames/1")


def test_reads_from_another_address_or_by_another_user_are_recorded_apart(
    api: APIClient, pete: User
) -> None:
    study, series, sops = _study_with_two_slices()
    other = APIClient()
    other.force_authenticate(pete)

    _frames(api, study, series, sops[0])
    _frames(api, study, series, sops[0], REMOTE_ADDR="10.0.0.7")
    _frames(other, study, series, sops[0])

    rows = AuditEvent.objects.filter(action="read").values_list("username", "remote_addr")
    assert sorted(rows) == [("alice", "10.0.0.7"), ("alice", "127.0.0.1"), ("pete", "127.0.0.1")]


def test_the_audit_log_holds_identifiers_never_patient_names(api: APIClient) -> None:
    study, series, sops = _study_with_two_slices()

    api.get("/dicomweb/studies", {"PatientName": "Doe*"})
    _frames(api, study, series, sops[0])

    for event in AuditEvent.objects.all():
        assert "Doe" not in f"{event.resource} {event.study_uid} {event.username}"
