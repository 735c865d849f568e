"""A pull run in this process against a real Orthanc: what is stored, counted and audited."""

from datetime import date
from pathlib import Path

import pytest

from assist_web.accounts.models import AuditEvent, User
from assist_web.archive.ingest import instance_ingest
from assist_web.archive.models import Instance, PacsPull, RemotePacs, SiteSettings, Study
from assist_web.archive.pacs import client
from assist_web.archive.pacs.pulling import pacs_pull_execute
from tests.dicom_files import mr_slice, to_bytes
from tests.peers.fixtures import unused_url
from tests.peers.orthanc import OrthancPeer
from tests.peers.studies import orthanc_study_upload

pytestmark = [pytest.mark.peers, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "RETRY_BASE_DELAY_S", 0.01)


def _pull(remote: RemotePacs, user: User, **target: object) -> PacsPull:
    pull = PacsPull.objects.create(remote=remote, requested_by=user, **target)
    pacs_pull_execute(pull_id=pull.pk)
    pull.refresh_from_db()
    return pull


def _counts(pull: PacsPull) -> tuple[str, int, int, int, int]:
    return (pull.state, pull.num_studies, pull.num_stored, pull.num_duplicate, pull.num_refused)


def test_a_study_is_pulled_byte_exact_and_audited(
    orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User, data_dir: Path
) -> None:
    sent = orthanc_study_upload(orthanc, instances=3, series=2)

    pull = _pull(orthanc_remote, alice, study_instance_uid=sent.study_uid)

    assert _counts(pull) == ("succeeded", 1, 6, 0, 0)
    assert (pull.error, pull.started_at is not None, pull.finished_at is not None) == (
        "",
        True,
        True,
    )
    study = Study.objects.get(study_instance_uid=sent.study_uid)
    assert (study.num_series, study.num_instances) == (2, 6)
    for instance in Instance.objects.all():
        stored = (data_dir / "dicom" / instance.path).read_bytes()
        assert stored == sent.files[instance.sop_instance_uid]
    event = AuditEvent.objects.get(action=AuditEvent.Action.PULL)
    assert (event.user, event.study_uid, event.resource) == (
        alice,
        sent.study_uid,
        f"pacs/{orthanc_remote.pk}/pull/{pull.pk}",
    )


def test_a_patient_and_date_range_pull_takes_only_the_matching_studies(
    orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User
) -> None:
    first = orthanc_study_upload(orthanc, instances=2, patient_id="P-5", study_date="20240110")
    second = orthanc_study_upload(orthanc, instances=1, patient_id="P-5", study_date="20241120")
    orthanc_study_upload(orthanc, instances=1, patient_id="P-5", study_date="20220101")
    orthanc_study_upload(orthanc, instances=1, patient_id="P-6", study_date="20240110")

    pull = _pull(
        orthanc_remote,
        alice,
        patient_id="P-5",
        date_from=date(2024, 1, 1),
        date_to=date(2024, 12, 31),
    )

    assert _counts(pull) == ("succeeded", 2, 3, 0, 0)
    assert set(Study.objects.values_list("study_instance_uid", flat=True)) == {
        first.study_uid,
        second.study_uid,
    }


def test_pulling_a_study_already_here_is_a_no_op(
    orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User
) -> None:
    sent = orthanc_study_upload(orthanc, instances=3)
    _pull(orthanc_remote, alice, study_instance_uid=sent.study_uid)
    before = list(Instance.objects.order_by("id").values_list("id", "sha256", "created_at"))

    again = _pull(orthanc_remote, alice, study_instance_uid=sent.study_uid)

    assert _counts(again) == ("succeeded", 1, 0, 3, 0)
    assert list(Instance.objects.order_by("id").values_list("id", "sha256", "created_at")) == (
        before
    )
    assert Study.objects.get().num_instances == 3


def test_with_deidentification_on_a_pulled_study_is_stored_under_pseudonyms_and_once(
    orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User
) -> None:
    site = SiteSettings.current()
    site.deidentify_on_ingest = True
    site.save()
    sent = orthanc_study_upload(orthanc, instances=3, patient_id="P-9")

    first = _pull(orthanc_remote, alice, study_instance_uid=sent.study_uid)
    again = _pull(orthanc_remote, alice, study_instance_uid=sent.study_uid)

    # Each object is checked against what was asked for before it is de-identified.
    assert _counts(first) == ("succeeded", 1, 3, 0, 0)
    assert _counts(again) == ("succeeded", 1, 0, 3, 0)
    study = Study.objects.select_related("patient").get()
    assert study.study_instance_uid != sent.study_uid
    assert study.patient.patient_id != "P-9"
    assert study.num_instances == 3


def test_an_unreachable_pacs_fails_the_pull_with_a_reason_and_stores_nothing(
    alice: User, data_dir: Path
) -> None:
    remote = RemotePacs.objects.create(name="Down", base_url=unused_url())

    pull = _pull(remote, alice, study_instance_uid="1.2.3.4")

    assert pull.state == PacsPull.State.FAILED
    assert pull.error.startswith("PACS Down is unreachable at http://127.0.0.1:")
    assert "after 4 tries" in pull.error
    assert (pull.num_stored, Instance.objects.count()) == (0, 0)
    assert [p for p in data_dir.rglob("*.dcm")] == []


def test_wrong_credentials_fail_the_pull_naming_authentication(
    orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User
) -> None:
    sent = orthanc_study_upload(orthanc, instances=1)
    RemotePacs.objects.filter(pk=orthanc_remote.pk).update(secret="wrong")
    orthanc_remote.refresh_from_db()

    pull = _pull(orthanc_remote, alice, study_instance_uid=sent.study_uid)

    assert pull.state == PacsPull.State.FAILED
    assert "authentication failed, HTTP 401" in pull.error
    assert not Instance.objects.exists()


def test_a_study_the_pacs_does_not_hold_fails_the_pull(
    orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User
) -> None:
    pull = _pull(orthanc_remote, alice, study_instance_uid="1.2.3.4.5")

    assert pull.state == PacsPull.State.FAILED
    assert pull.error == "PACS Orthanc holds no instances of study 1.2.3.4.5."


def test_objects_the_archive_refuses_are_counted_and_the_first_reason_kept(
    orthanc: OrthancPeer, orthanc_remote: RemotePacs, alice: User
) -> None:
    sent = orthanc_study_upload(orthanc, instances=2)
    # A different object under one of the UIDs already stored: the archive keeps the first.
    sop_uid = next(iter(sent.files))
    instance_ingest(data=to_bytes(mr_slice(study_uid=sent.study_uid, sop_uid=sop_uid, seed=99)))

    pull = _pull(orthanc_remote, alice, study_instance_uid=sent.study_uid)

    assert _counts(pull) == ("succeeded", 1, 1, 0, 1)
    assert pull.error.startswith("1 object(s) refused by the archive; first: A different object")


def test_a_pull_that_is_not_queued_is_left_alone(orthanc_remote: RemotePacs, alice: User) -> None:
    pull = PacsPull.objects.create(
        remote=orthanc_remote,
        requested_by=alice,
        study_instance_uid="1.2.3",
        state=PacsPull.State.RUNNING,
    )

    pacs_pull_execute(pull_id=pull.pk)

    pull.refresh_from_db()
    assert (pull.state, pull.finished_at, pull.error) == (PacsPull.State.RUNNING, None, "")
    assert not AuditEvent.objects.exists()
