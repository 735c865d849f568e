"""Per model version summaries of how far approved contours are from the AI's, checked by hand.

Quartiles are numpy's default (linear between order statistics): for 0.80, 0.90, 0.95 the
positions 0.5, 1 and 1.5 give 0.85, 0.90 and 0.925.
"""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import Role, User
from assist_web.contours.metrics_summary import (
    Distribution,
    distribution_of,
    model_version_metrics_summary,
)
from assist_web.inference.models import ModelVersion
from tests.contours.worklist_rows import (
    ai_revision_make,
    approval_make,
    human_revision_make,
    metrics_make,
    model_version_make,
    study_make,
)

pytestmark = pytest.mark.django_db


def _approved(model: ModelVersion, by: User, structures: dict[str, dict]) -> None:
    """One study whose AI proposal a physician edited and approved, with its metrics."""
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P-17"), model)
    approval = approval_make(human_revision_make(ai, by), by)
    for structure, values in structures.items():
        metrics_make(approval, ai, structure, **values)


@pytest.fixture
def v1(alice: User) -> ModelVersion:
    model = model_version_make("0.1.0")
    _approved(model, alice, {
        "GTV": {"dice": 0.80, "hd95_mm": 2.0, "volume_approved_ml": 12.0},
        "Edema": {"dice": 0.70, "hd95_mm": None},
    })  # fmt: skip
    _approved(model, alice, {"GTV": {"dice": 0.95, "hd95_mm": None, "volume_approved_ml": 9.0}})
    _approved(model, alice, {"GTV": {"dice": 0.90, "hd95_mm": 6.0, "apl_mm": 14.5}})
    return model


@pytest.fixture
def v2(alice: User) -> ModelVersion:
    model = model_version_make("0.2.0")
    for dice in (0.6, 1.0, 0.5, 0.7):
        _approved(model, alice, {"GTV": {"dice": dice}})
    return model


def _d(values: tuple[float, ...], median: float, q1: float, q3: float) -> object:
    """A distribution's numbers, flat, to compare within floating-point rounding."""
    return pytest.approx([*values, median, q1, q3])


def _flat(d: Distribution) -> list[float | None]:
    return [*d.values, d.median, d.q1, d.q3]


def test_distributions_by_hand() -> None:
    assert _flat(distribution_of([0.95, 0.80, None, 0.90])) == _d(
        (0.80, 0.90, 0.95), 0.90, 0.85, 0.925
    )
    assert _flat(distribution_of([0.6, 1.0, 0.5, 0.7])) == _d(
        (0.5, 0.6, 0.7, 1.0), 0.65, 0.575, 0.775
    )
    assert _flat(distribution_of([7.0])) == _d((7.0,), 7.0, 7.0, 7.0)
    assert distribution_of([None]) == Distribution(values=(), median=None, q1=None, q3=None)


def test_a_model_version_s_summary(v1: ModelVersion, v2: ModelVersion) -> None:
    summary = model_version_metrics_summary(model_version=v1)

    assert (summary.label, summary.approvals) == ("assist_glioma 0.1.0", 3)
    assert [s.structure for s in summary.structures] == ["GTV", "Edema"]
    gtv, edema = (s.metrics for s in summary.structures)
    assert _flat(gtv["dice"]) == _d((0.80, 0.90, 0.95), 0.90, 0.85, 0.925)
    assert _flat(gtv["hd95_mm"]) == _d((2.0, 6.0), 4.0, 3.0, 5.0)  # the empty-mask None left out
    assert _flat(gtv["volume_change_ml"]) == _d((-1.0, 0.0, 2.0), 0.0, -0.5, 1.0)
    assert _flat(gtv["volume_change_pct"]) == _d((-10.0, 0.0, 20.0), 0.0, -5.0, 10.0)
    assert _flat(gtv["apl_mm"]) == _d((0.0, 0.0, 14.5), 0.0, 0.0, 7.25)
    assert _flat(edema["dice"]) == _d((0.70,), 0.70, 0.70, 0.70)
    assert edema["hd95_mm"].n == 0


def _client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def test_the_api_gives_the_same_summary(api: APIClient, v1: ModelVersion) -> None:
    body = api.get(f"/api/v1/model-versions/{v1.pk}/metrics/").json()

    assert body["model_version"] == {
        "id": v1.pk, "name": "assist_glioma", "version": "0.1.0", "status": "candidate"
    }  # fmt: skip
    assert body["approvals"] == 3
    assert [s["structure"] for s in body["structures"]] == ["GTV", "Edema"]
    gtv = body["structures"][0]["metrics"]
    assert gtv["dice"] == pytest.approx({"n": 3, "median": 0.90, "q1": 0.85, "q3": 0.925})
    assert gtv["hd95_mm"] == {"n": 2, "median": 4.0, "q1": 3.0, "q3": 5.0}
    assert set(gtv) == {"dice", "hd95_mm", "surface_dice", "apl_mm", "volume_change_ml",
                        "volume_change_pct"}  # fmt: skip
    assert body["structures"][1]["metrics"]["hd95_mm"] == {
        "n": 0, "median": None, "q1": None, "q3": None
    }  # fmt: skip


def test_a_version_nobody_approved_work_of_has_an_empty_summary(api: APIClient) -> None:
    model = model_version_make()

    body = api.get(f"/api/v1/model-versions/{model.pk}/metrics/").json()

    assert (body["approvals"], body["structures"]) == (0, [])
    missing = api.get("/api/v1/model-versions/999999/metrics/")
    assert missing.status_code == 404


def test_metrics_are_for_people_only(anonymous: APIClient, pete: User, sam: User) -> None:
    model = model_version_make()
    url = f"/api/v1/model-versions/{model.pk}/metrics/"
    worker = User.objects.create_user(username="gpu-1", role=Role.WORKER)

    assert anonymous.get(url).status_code == 401
    assert _client(worker).get(url).status_code == 403
    assert [_client(p).get(url).status_code for p in (pete, sam)] == [200, 200]
    web = Client()
    web.force_login(worker)
    assert web.get("/metrics/").status_code == 403
    assert Client().get("/metrics/").status_code == 302


def _figure(html: str, plot_id: str) -> str:
    match = re.search(rf'<svg id="{plot_id}".*?</svg>', html, re.S)
    assert match, plot_id
    return match.group(0)


def test_the_page_plots_one_dot_per_approved_structure(
    alice: User, v1: ModelVersion, v2: ModelVersion, django_assert_max_num_queries: object
) -> None:
    client = Client()
    client.force_login(alice)

    with django_assert_max_num_queries(4):  # type: ignore[operator]
        html = client.get("/metrics/").content.decode()

    dice = _figure(html, "plot-dice")
    assert dice.count('class="point"') == 8  # 3 + 1 (v1 GTV, Edema) + 4 (v2 GTV)
    assert _figure(html, "plot-hd95_mm").count('class="point"') == 6  # 2 None left out
    lanes = re.findall(r'<g class="lane" data-structure="(\w+)" data-version="([\d.]+)"', dice)
    assert lanes == [("GTV", "0.2.0"), ("GTV", "0.1.0"), ("Edema", "0.1.0")]
    assert "<title>GTV, assist_glioma 0.1.0: 0.950</title>" in dice
    summary = re.search(rf'<table class="summary" id="summary-{v1.pk}">.*?</table>', html, re.S)
    assert summary is not None
    assert "0.900 (0.850 to 0.925), n=3" in summary.group(0)
    assert "4.0 (3.0 to 5.0), n=2" in summary.group(0)


def test_the_page_before_any_approval(alice: User) -> None:
    client = Client()
    client.force_login(alice)

    html = client.get("/metrics/").content.decode()

    assert "No approved contours yet." in html and "<svg" not in html
