"""Named identities, an active model and phantom studies for the inference tests."""

import io
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import Role, User
from assist_web.archive.models import Study
from assist_web.celery import app
from assist_web.inference.models import ModelVersion
from assist_web.inference.services import model_version_activate, model_version_register
from tests.inference.factories import bundle_bytes, study_ingest
from workers.phantoms import PhantomFiles, make_phantom, write_phantom_study


def _client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def gus(db: None) -> User:
    """A gpu worker identity."""
    return User.objects.create_user(username="gus", role=Role.WORKER)


@pytest.fixture
def worker_api(gus: User) -> APIClient:
    return _client(gus)


@pytest.fixture
def gus2(db: None) -> User:
    """A second gpu worker."""
    return User.objects.create_user(username="gus2", role=Role.WORKER)


@pytest.fixture
def worker2_api(gus2: User) -> APIClient:
    return _client(gus2)


@pytest.fixture
def sam_api(sam: User) -> APIClient:
    return _client(sam)


@pytest.fixture
def active_model(sam: User) -> ModelVersion:
    version = model_version_register(bundle_file=io.BytesIO(bundle_bytes()), uploaded_by=sam)
    return model_version_activate(version=version, user=sam)


@pytest.fixture(scope="session")
def phantom_files(tmp_path_factory: pytest.TempPathFactory) -> PhantomFiles:
    out: Path = tmp_path_factory.mktemp("inference-phantom")
    return write_phantom_study(make_phantom(21, site="default", grid="small"), out)


@pytest.fixture
def mr_study(db: None, phantom_files: PhantomFiles) -> Study:
    """A complete T1, T1c, T2, FLAIR study in the archive."""
    return study_ingest(phantom_files)


@pytest.fixture
def gpu_queue() -> "GpuQueue":
    queue = GpuQueue()
    queue.drain()  # leftovers of an earlier, interrupted run
    return queue


class GpuQueue:
    """The broker's real gpu queue (embedded filesystem broker or Redis), read with kombu."""

    def drain(self) -> list[dict]:
        found = []
        with app.connection_for_read() as connection:
            channel = connection.default_channel
            while (message := channel.basic_get("gpu", no_ack=True)) is not None:
                args, _kwargs, _embed = message.decode()
                found.append({"task": message.headers["task"], "args": args,
                              "eta": message.headers.get("eta")})  # fmt: skip
        return found
