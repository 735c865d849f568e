"""Reading a structure set and a revision's masks: what the viewer loads first."""

import pytest
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, User
from assist_web.inference.models import ModelVersion
from tests.contours.review_factories import ArchivedAiRevision, ReviewCase, archived_ai_revision
from workers.dicom_out import STRUCTURES
from workers.structures.runs import mask_to_runs, runs_to_mask

pytestmark = pytest.mark.django_db


@pytest.fixture
def ai(review_case: ReviewCase, active_model: ModelVersion) -> ArchivedAiRevision:
    return archived_ai_revision(review_case, active_model)


def test_the_labelmap_is_the_ai_seg_on_the_sorted_t1c(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    response = api.get(f"/api/v1/revisions/{ai.revision.pk}/labelmap/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["revision_id"] == ai.revision.pk
    assert body["reference_series_uid"] == ai.reference[0].SeriesInstanceUID
    assert body["instances"] == ai.instances
    assert body["shape"] == [44, 96, 96]
    assert [(s["name"], s["number"], s["color"]) for s in body["structures"]] == [
        (name, number, list(STRUCTURES[name].colour))
        for number, name in enumerate(("GTV", "Edema", "CTV", "PTV", "Brain"), start=1)
    ]
    for structure in body["structures"]:
        mask = runs_to_mask(structure["runs"], tuple(body["shape"]))
        assert (mask == ai.masks[structure["name"]]).all(), structure["name"]
        assert structure["runs"] == mask_to_runs(ai.masks[structure["name"]])
    assert AuditEvent.objects.filter(action="read", username="alice").count() == 1


def test_the_structure_set_of_a_study_is_its_ai_proposal(
    api: APIClient, ai: ArchivedAiRevision, active_model: ModelVersion
) -> None:
    by_study = api.get(f"/api/v1/studies/{ai.study.study_instance_uid}/structure-set/")
    by_id = api.get(f"/api/v1/structure-sets/{ai.revision.structure_set_id}/")

    assert by_study.status_code == by_id.status_code == 200
    assert by_study.json() == by_id.json()
    body = by_id.json()
    revision = ai.revision
    assert body == {
        "id": revision.structure_set_id,
        "study_uid": ai.study.study_instance_uid,
        "review_state": "to_review",
        "editor": None,
        "ai_revision_id": revision.pk,
        "current_revision_id": revision.pk,
        "revisions": [
            {
                "id": revision.pk,
                "number": 1,
                "parent_id": None,
                "source": "ai",
                "author": None,
                "created_at": revision.created_at.isoformat(),
                "state": "ready",
                "error": "",
                "model_version": {
                    "id": active_model.pk,
                    "name": active_model.name,
                    "version": active_model.version,
                },  # fmt: skip
                "structures": revision.structures,
                "approval": None,
            }
        ],
    }
    assert [s["name"] for s in body["revisions"][0]["structures"]] == [
        "GTV", "Edema", "CTV", "PTV", "Brain"
    ]  # fmt: skip


def test_a_study_without_contours_or_an_unknown_one_is_404(
    api: APIClient, mr_study: object
) -> None:
    none_yet = api.get(f"/api/v1/studies/{mr_study.study_instance_uid}/structure-set/")  # type: ignore[attr-defined]
    unknown = api.get("/api/v1/studies/1.2.3.4/structure-set/")
    no_set = api.get("/api/v1/structure-sets/999999/")
    no_revision = api.get("/api/v1/revisions/999999/labelmap/")

    assert (none_yet.status_code, none_yet.json()) == (
        404, {"detail": "This study has no contours yet."}
    )  # fmt: skip
    assert [r.status_code for r in (unknown, no_set, no_revision)] == [404, 404, 404]


def test_a_revision_still_being_written_has_no_labelmap(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    ai.revision.__class__.objects.filter(pk=ai.revision.pk).update(state="writing")

    response = api.get(f"/api/v1/revisions/{ai.revision.pk}/labelmap/")

    assert (response.status_code, response.json()) == (
        409,
        {"detail": "Revision 1 is writing; its contours are not in the archive yet."},
    )


@pytest.mark.parametrize("who", ["pete", "sam"])
def test_physicists_and_site_admins_read_too(
    who: str, pete: User, sam: User, ai: ArchivedAiRevision
) -> None:
    client = APIClient()
    client.force_authenticate({"pete": pete, "sam": sam}[who])

    response = client.get(f"/api/v1/revisions/{ai.revision.pk}/labelmap/")

    assert response.status_code == 200


def test_workers_and_anonymous_do_not_read_the_review(
    gus: User, anonymous: APIClient, ai: ArchivedAiRevision
) -> None:
    worker = APIClient()
    worker.force_authenticate(gus)
    urls = [
        f"/api/v1/revisions/{ai.revision.pk}/labelmap/",
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/",
        f"/api/v1/studies/{ai.study.study_instance_uid}/structure-set/",
    ]

    refused = [worker.get(url) for url in urls]
    anonymous_refused = [anonymous.get(url) for url in urls]

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert refused[0].json() == {
        "detail": "Only physicians, physicists and site admins may see the review."
    }
    assert [r.status_code for r in anonymous_refused] == [401, 401, 401]
    assert AuditEvent.objects.count() == 0
