"""The sequence mapping page: everyone clinical reads it, physicians and site admins change it."""

import pytest
from django.test import Client

from assist_web.accounts.models import Role, User
from assist_web.archive.models import Study
from assist_web.inference.models import Job, ModelVersion, SequenceOverride

pytestmark = pytest.mark.django_db


def _url(study: Study) -> str:
    return f"/studies/{study.study_instance_uid}/sequences/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _uid(study: Study, description: str) -> str:
    return study.series.get(description=description).series_instance_uid


def test_a_physician_sees_each_sequence_with_its_reason_and_a_form(
    alice: User, mr_study: Study
) -> None:
    response = _client(alice).get(_url(mr_study))

    page = response.content.decode()
    assert response.status_code == 200
    assert [kind for kind, _, _ in response.context["mapping"]] == ["T1", "T1c", "T2", "FLAIR"]
    chosen = {kind: choice.series_instance_uid for kind, choice, _ in response.context["mapping"]}
    assert chosen == {
        "T1": _uid(mr_study, "T1 AX SE"),
        "T1c": _uid(mr_study, "T1 AX +C"),
        "T2": _uid(mr_study, "T2 AX TSE"),
        "FLAIR": _uid(mr_study, "AX FLAIR"),
    }
    assert "&#x27;AX FLAIR&#x27;: name and timing agree" in page
    assert page.count("<select ") == 4
    assert "Save mapping" in page


def test_a_physicist_reads_the_mapping_but_may_not_change_it(pete: User, mr_study: Study) -> None:
    client = _client(pete)

    page = client.get(_url(mr_study)).content.decode()
    refused = client.post(_url(mr_study), {"T1c": _uid(mr_study, "T1 AX SE")})

    assert "<select " not in page and "Save mapping" not in page
    assert refused.status_code == 403
    assert not SequenceOverride.objects.exists()


def test_a_physicians_choice_is_shown_and_drives_the_next_job(
    alice: User, mr_study: Study, active_model: ModelVersion
) -> None:
    client = _client(alice)
    t1 = _uid(mr_study, "T1 AX SE")

    saved = client.post(
        _url(mr_study), {"action": "override", "T1c": t1, "T1": "", "T2": "", "FLAIR": ""}
    )
    shown = client.get(_url(mr_study))
    run = client.post(_url(mr_study), {"action": "run"})

    assert (saved.status_code, saved["Location"]) == (302, _url(mr_study))
    assert SequenceOverride.objects.get(study=mr_study).series == {"T1c": t1}
    mapping = {
        kind: (choice.series_instance_uid, by_hand)
        for kind, choice, by_hand in shown.context["mapping"]
    }
    assert mapping["T1c"] == (t1, True)
    assert mapping["FLAIR"] == (_uid(mr_study, "AX FLAIR"), False)
    assert "chosen by alice" in shown.content.decode()
    assert run.status_code == 302
    job = Job.objects.get()
    assert (job.sequences["T1c"], job.requested_by, job.state) == (t1, alice, "queued")


def test_a_site_admin_clears_a_choice_back_to_what_was_identified(
    sam: User, mr_study: Study
) -> None:
    client = _client(sam)
    client.post(_url(mr_study), {"T1c": _uid(mr_study, "T1 AX SE")})

    cleared = client.post(_url(mr_study), {"T1c": ""})

    assert cleared.status_code == 302
    assert SequenceOverride.objects.get(study=mr_study).series == {}
    chosen = {k: c.series_instance_uid for k, c, _ in client.get(_url(mr_study)).context["mapping"]}
    assert chosen["T1c"] == _uid(mr_study, "T1 AX +C")


def test_a_series_of_another_study_is_refused_and_nothing_is_saved(
    alice: User, mr_study: Study
) -> None:
    response = _client(alice).post(
        _url(mr_study), {"T1": _uid(mr_study, "T1 AX SE"), "T1c": "1.2.3.4.5"}
    )

    assert response.status_code == 400
    assert "T1c: series 1.2.3.4.5 is not an MR series of this study." in response.content.decode()
    assert not SequenceOverride.objects.exists()


def test_running_without_an_active_model_says_why_and_makes_no_job(
    pete: User, mr_study: Study
) -> None:
    response = _client(pete).post(_url(mr_study), {"action": "run"})

    assert response.status_code == 400
    assert "No model version is active" in response.content.decode()
    assert Job.objects.count() == 0


def test_people_must_log_in_and_worker_identities_are_refused(mr_study: Study) -> None:
    robot = User.objects.create_user(username="gus", role=Role.WORKER)

    anonymous = Client().get(_url(mr_study))
    worker = _client(robot).get(_url(mr_study))

    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert worker.status_code == 403


def test_an_unknown_study_is_404(alice: User, db: None) -> None:
    assert _client(alice).get("/studies/1.2.3.999/sequences/").status_code == 404
