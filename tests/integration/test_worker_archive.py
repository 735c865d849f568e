"""The gpu worker's DICOMweb client against the real site: results of clinical size go in."""

import pytest
from rest_framework.authtoken.models import Token

from assist_web.accounts.models import Role, User
from assist_web.archive.models import Instance
from tests.dicom_files import mr_slice
from workers.gpu.archive import Archive

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_object_larger_than_a_client_chunk_is_stored_over_stow(live_server: object) -> None:
    robot = User.objects.create_user(username="gpu-1", role=Role.WORKER)
    token = Token.objects.create(user=robot).key
    # 1024 x 1024 x 16 bit = 2 MiB of pixels: above dicomweb-client's 1 MB chunk, like the SEG
    # of a clinical study. Sent chunked, it would reach the site without a Content-Length.
    big = mr_slice(study_uid="1.2.77", rows=1024, columns=1024)

    Archive(str(live_server.url), token).store([big], "1.2.77")  # type: ignore[attr-defined]

    assert Instance.objects.get().sop_instance_uid == big.SOPInstanceUID
