"""For the review page's browser tests: a phantom brain MR study (T1, T1c, T2, FLAIR) with an AI
revision whose SEG and RTSTRUCT are real objects in the archive (spheres on the T1c grid stand in
for the model's structures), and the page actions several tests share."""

from dataclasses import dataclass

import numpy as np
import pydicom
import pytest
from playwright.sync_api import Page, expect
from pydicom import Dataset
from pytest_django.live_server_helper import LiveServer

from assist_web.accounts.models import User
from assist_web.archive.ingest import instances_ingest
from assist_web.archive.models import Study
from assist_web.contours.models import Revision, StructureSet
from assist_web.inference.models import ModelVersion
from tests.browser.conftest import log_in
from tests.contours.factories import _part10
from tests.inference.conftest import active_model, phantom_files  # noqa: F401 - fixtures by name
from workers.dicom_out import Algorithm, rtstruct_write, seg_write
from workers.phantoms import PhantomFiles
from workers.phantoms.sequences import Sequence

# Slice, row, column of the tumour centre on the small grid's T1c (44 x 96 x 96).
CENTRE = (22, 40, 52)
RADII = {"GTV": 5.0, "Edema": 9.0, "CTV": 7.0, "PTV": 8.0}


@dataclass(frozen=True)
class ReviewStudy:
    study: Study
    revision: Revision
    t1c_uid: str
    flair_uid: str
    masks: dict[str, np.ndarray]


def _ball(shape: tuple[int, int, int], centre: tuple[int, int, int], radius: float) -> np.ndarray:
    k, r, c = np.indices(shape)
    # The slices are 4 mm apart and the pixels 2.4 mm: a ball in millimetres, not in voxels.
    distance2 = ((k - centre[0]) * 4 / 2.4) ** 2 + (r - centre[1]) ** 2 + (c - centre[2]) ** 2
    return distance2 <= radius**2


def masks_make(shape: tuple[int, int, int]) -> dict[str, np.ndarray]:
    masks = {name: _ball(shape, CENTRE, radius) for name, radius in RADII.items()}
    k, r, c = np.indices(shape)
    centre = (shape[0] // 2, shape[1] // 2, shape[2] // 2)
    masks["Brain"] = (
        ((k - centre[0]) / (shape[0] * 0.4)) ** 2
        + ((r - centre[1]) / (shape[1] * 0.38)) ** 2
        + ((c - centre[2]) / (shape[2] * 0.33)) ** 2
    ) <= 1
    return masks


def review_study_make(*, files: PhantomFiles, model_version: ModelVersion) -> ReviewStudy:
    """Ingest every series of the phantom, then an AI revision's SEG and RTSTRUCT on its T1c."""
    items = [path.read_bytes() for seq in Sequence for path in files.series[seq]]
    results = instances_ingest(items=items)
    assert all(r.ok for r in results), [r.reason for r in results if not r.ok]
    t1c: list[Dataset] = [pydicom.dcmread(path) for path in files.series[Sequence.T1C]]
    flair = pydicom.dcmread(files.series[Sequence.FLAIR][0])
    shape = (len(t1c), int(t1c[0].Rows), int(t1c[0].Columns))
    masks = masks_make(shape)
    algorithm = Algorithm(name=model_version.name, version=model_version.version)
    seg = _part10(seg_write(reference=t1c, masks=masks, algorithm=algorithm))
    rtstruct = _part10(rtstruct_write(reference=t1c, masks=masks, algorithm=algorithm))
    written = instances_ingest(items=[seg, rtstruct])
    assert all(r.ok for r in written), [r.reason for r in written]
    study = Study.objects.get(study_instance_uid=t1c[0].StudyInstanceUID)
    voxel_ml = 2.4 * 2.4 * 4.0 / 1000
    revision = Revision.objects.create(
        structure_set=StructureSet.objects.create(study=study),
        number=1,
        source=Revision.Source.AI,
        model_version=model_version,
        seg_sop_instance_uid=written[0].sop_instance_uid,
        rtstruct_sop_instance_uid=written[1].sop_instance_uid,
        structures=[
            {"name": name, "volume_ml": round(float(mask.sum()) * voxel_ml, 2)}
            for name, mask in masks.items()
        ],
    )
    return ReviewStudy(
        study=study,
        revision=revision,
        t1c_uid=str(t1c[0].SeriesInstanceUID),
        flair_uid=str(flair.SeriesInstanceUID),
        masks=masks,
    )


@pytest.fixture(name="review_study")
def review_study_fixture(
    phantom_files: PhantomFiles,  # noqa: F811 - the fixture imported above
    active_model: ModelVersion,  # noqa: F811
) -> ReviewStudy:
    return review_study_make(files=phantom_files, model_version=active_model)


def open_review(page: Page, live_server: LiveServer, user: User, study: ReviewStudy) -> None:
    log_in(page, live_server.url, user, f"/viewer/{study.study.study_instance_uid}/")
    page.wait_for_function("() => document.body.dataset.labelmapLoaded === '1'")
    page.wait_for_function(
        "() => window.assistViewer.timings.allLoaded !== undefined", timeout=60_000
    )
    page.wait_for_timeout(300)  # the last slices' redraw


def brush_stroke(page: Page, dx: float = 0) -> None:
    """A short stroke with the real mouse, left of the axial centre (the tumour is right of it)."""
    page.get_by_role("button", name="Brush").click()
    expect(page.get_by_role("button", name="Brush")).to_have_attribute("aria-pressed", "true")
    box = page.locator("#top-axial").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.35 + dx, box["y"] + box["height"] * 0.5
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y + 10, steps=6)
    page.mouse.up()
