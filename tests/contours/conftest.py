from pathlib import Path
from typing import Any

import pytest

from tests.contours.review_factories import ReviewCase
from tests.inference.conftest import (  # noqa: F401 - fixtures are found by name
    active_model,
    gus,
    mr_study,
    phantom_files,
)
from workers.phantoms import make_phantom, write_phantom_study


@pytest.fixture(scope="session")
def review_case(tmp_path_factory: pytest.TempPathFactory) -> ReviewCase:
    """A small phantom study (44 T1c slices of 96 x 96), made once per session."""
    phantom = make_phantom(21, site="default", grid="small")
    out: Path = tmp_path_factory.mktemp("review-phantom")
    return ReviewCase(phantom=phantom, files=write_phantom_study(phantom, out))


@pytest.fixture
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The tasks published to the broker, instead of publishing them."""
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "assist_web.contours.export.app.send_task",
        lambda name, **options: calls.append((name, options)),
    )
    return calls
