"""The DICOMweb client side of a job, through dicomweb-client against a stand-in server."""

from collections.abc import Iterator

import pytest
import requests
from pydicom import Dataset

from tests.gpu.dicomweb_standin import ArchiveState, archive_running
from workers.gpu import retry
from workers.gpu.archive import Archive
from workers.gpu.errors import PermanentError


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "DEFAULT", retry.Backoff(attempts=3, first_s=0.0, cap_s=0.0))
    monkeypatch.setattr(retry.retrying, "__kwdefaults__",
                        {"backoff": retry.Backoff(attempts=3, first_s=0.0, cap_s=0.0),
                         "sleep": lambda _s: None})


@pytest.fixture
def state(study_series: dict[str, list[Dataset]]) -> ArchiveState:
    return ArchiveState(series={str(ds[0].SeriesInstanceUID): ds
                                for ds in study_series.values()})


@pytest.fixture
def archive(state: ArchiveState) -> Iterator[Archive]:
    with archive_running(state) as url:
        yield Archive(url, state.token)


def _uids(study_series: dict[str, list[Dataset]]) -> dict[str, str]:
    return {name: str(ds[0].SeriesInstanceUID) for name, ds in study_series.items()}


def test_fetches_every_series_by_name(archive: Archive,
                                      study_series: dict[str, list[Dataset]]) -> None:
    study = str(study_series["T1c"][0].StudyInstanceUID)
    fetched = archive.series_fetch(study, _uids(study_series))
    assert {name: len(ds) for name, ds in fetched.items()} == {
        name: len(ds) for name, ds in study_series.items()}
    assert ({ds.SOPInstanceUID for ds in fetched["T2"]}
            == {ds.SOPInstanceUID for ds in study_series["T2"]})


def test_transient_answers_are_retried(archive: Archive, state: ArchiveState,
                                       study_series: dict[str, list[Dataset]]) -> None:
    state.failures = [503, 502]
    study = str(study_series["T1c"][0].StudyInstanceUID)
    fetched = archive.series_fetch(study, {"T2": _uids(study_series)["T2"]})
    assert len(fetched["T2"]) == len(study_series["T2"])
    assert state.requests[:3] == [f"GET /dicomweb/studies/{study}/series/"
                                  f"{_uids(study_series)['T2']}/instances"] * 3


def test_a_missing_series_is_a_permanent_failure(archive: Archive, state: ArchiveState) -> None:
    with pytest.raises(PermanentError, match="The FLAIR series of this study is not in the"):
        archive.series_fetch("1.2.3", {"FLAIR": "9.9.9"})
    assert len(state.requests) == 1


def test_a_refused_token_is_not_retried(state: ArchiveState) -> None:
    with archive_running(state) as url, pytest.raises(requests.HTTPError) as raised:
        Archive(url, "wrong").series_fetch("1.2.3", {"T1": "1"})
    assert raised.value.response is not None and raised.value.response.status_code == 401
    assert len(state.requests) == 1


def test_stores_the_results(archive: Archive, state: ArchiveState,
                            study_series: dict[str, list[Dataset]]) -> None:
    first = study_series["T1c"][0]
    archive.store([first], str(first.StudyInstanceUID))
    assert [ds.SOPInstanceUID for ds in state.stored] == [first.SOPInstanceUID]
