"""The AI revision: revision 1 of a new structure set, one per job, never updated."""

import pytest
from django.db import IntegrityError, transaction

from assist_web.archive.models import Study
from assist_web.contours.models import Revision, StructureSet
from assist_web.contours.services import StructureSummary, revision_create_from_ai
from assist_web.inference.jobs import job_create
from assist_web.inference.models import ModelVersion

pytestmark = pytest.mark.django_db


def test_a_job_s_result_becomes_revision_one(mr_study: Study, active_model: ModelVersion) -> None:
    job = job_create(study=mr_study)

    revision = revision_create_from_ai(
        job=job, seg_uid="1.2.3.1", rtstruct_uid="1.2.3.2",
        structures=[StructureSummary(name="GTV", volume_ml=10.0)],
    )  # fmt: skip

    assert (revision.number, revision.source, revision.parent) == (1, "ai", None)
    assert (revision.model_version, revision.job, revision.author) == (active_model, job, None)
    assert revision.structure_set.study == mr_study
    assert revision.structures == [{"name": "GTV", "volume_ml": 10.0}]


def test_one_job_can_never_have_two_revisions(mr_study: Study, active_model: ModelVersion) -> None:
    job = job_create(study=mr_study)
    revision_create_from_ai(job=job, seg_uid="1.1", rtstruct_uid="1.2", structures=[])

    with pytest.raises(IntegrityError), transaction.atomic():
        revision_create_from_ai(job=job, seg_uid="1.3", rtstruct_uid="1.4", structures=[])

    assert (Revision.objects.count(), StructureSet.objects.count()) == (1, 1)


def test_an_ai_revision_must_name_its_model(mr_study: Study) -> None:
    structure_set = StructureSet.objects.create(study=mr_study)

    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.create(structure_set=structure_set, number=1, source="ai")
