"""Garbage in every part of a request, on every route, from signed-in users of each role: the
answer is never a server error. Seeded, so a failure names a request that can be replayed."""

import json
import random
import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import Role, User
from assist_web.archive.ingest import instance_ingest
from tests.dicom_files import mr_slice, to_bytes
from tests.routes import PARAMETER, all_routes

pytestmark = pytest.mark.django_db

STUDY, SERIES = "1.2.826.0.1.9", "1.2.826.0.1.9.1"
# The admin's own views are Django's; the rest are the site's.
ROUTES = [route for _, route in all_routes() if not route.startswith(("^", "admin/"))]
INTEGERS = ["1", "0", "2", "99999999999999999999", "9223372036854775808"]
STRINGS = [STUDY, SERIES, "1.2.3", "x", "%00", "..", "1" * 300]
VALUES = [
    "",
    "1",
    "-1",
    "99999999999999999999",
    "abc",
    "true",
    "null",
    "[]",
    "\x00",
    "𝄞",
    "x" * 3000,
    "2026-13-45",
    "1.5",
    "NaN",
    "*",
    "a*b?c",
    "20260101-20250101",
    "\\",
    "'",
]
KEYS = [
    "limit",
    "offset",
    "page",
    "study",
    "status",
    "state",
    "q",
    "since",
    "model",
    "revision",
    "PatientID",
    "PatientName",
    "StudyDate",
    "Modality",
    "includefield",
    "fuzzymatching",
    "SeriesInstanceUID",
    "quality",
    "viewport",
    "window",
    "accept",
    "charset",
]
BODIES = [
    None,
    {},
    [],
    "garbage",
    12,
    {"name": "\x00"},
    {"structures": "x"},
    {"structures": [{"name": 1}]},
    {"revision": 99999999999999999999},
    {"parent": "x"},
    {"password": None},
    {"labelmap": "@@@"},
    {"sequences": {"T1": "1.2.3"}},
    {"sequences": [1]},
    {"destination": 1},
    {"study_uid": "1.2.3", "query": {"PatientID": "*"}},
]
RAW = [b"\xff\xfe", b"{", b"--x\r\n", b"", b"\x00" * 200]
CONTENT_TYPES = [
    "application/json",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/dicom",
    'multipart/related; type="application/dicom"; boundary=x',
]
ACCEPTS = [
    "*/*",
    "application/dicom+json",
    "image/png",
    "text/html",
    "garbage;;;",
    'multipart/related; type="application/octet-stream"; transfer-syntax=*',
    "image/*;q=0.1, application/json;q=x",
]


def _url(rng: random.Random, route: str) -> str:
    def sample(match: re.Match[str]) -> str:
        return rng.choice(INTEGERS if match["converter"] == "int" else STRINGS)

    return "/" + PARAMETER.sub(sample, route)


@pytest.mark.parametrize("role", [Role.SITE_ADMIN, Role.PHYSICIAN, Role.PHYSICIST, Role.WORKER])
def test_no_request_is_a_server_error(role: Role) -> None:
    for n in range(1, 4):
        instance_ingest(
            data=to_bytes(mr_slice(study_uid=STUDY, series_uid=SERIES, instance_number=n))
        )
    user = User.objects.create_user(username="hostile", password="hostile-pass-2026", role=role)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    rng = random.Random(f"hostile-{role}")
    errors = []
    for _ in range(600):
        url = _url(rng, rng.choice(ROUTES))
        method = rng.choice(["get", "get", "post", "put", "patch", "delete"])
        query = {rng.choice(KEYS): rng.choice(VALUES) for _ in range(rng.randint(0, 3))}
        accept = {"HTTP_ACCEPT": rng.choice(ACCEPTS)}
        if method == "get":
            response = client.get(url, query, **accept)
        elif rng.random() < 0.5:
            body = json.dumps(rng.choice(BODIES))
            response = getattr(client, method)(url, body, content_type="application/json", **accept)
        else:
            raw, content_type = rng.choice(RAW), rng.choice(CONTENT_TYPES)
            response = getattr(client, method)(url, raw, content_type=content_type, **accept)
        if response.status_code >= 500:
            errors.append((method, url, query, response.status_code))

    assert errors == []
