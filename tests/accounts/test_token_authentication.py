import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts import authentication
from assist_web.accounts.models import User

pytestmark = pytest.mark.django_db
URL = "/dicomweb/studies"


def _client(token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_a_valid_token_reads_and_an_unknown_one_is_refused(alice: User) -> None:
    token = Token.objects.create(user=alice)

    assert _client(token).get(URL).status_code == 200
    assert _client(Token(key="0" * 40)).get(URL).status_code == 401


def test_a_revoked_token_stops_working_once_its_memory_expires(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = Token.objects.create(user=alice)
    client = _client(token)
    assert client.get(URL).status_code == 200
    Token.objects.filter(user=alice).delete()

    # Within the window the process still trusts what it verified...
    assert client.get(URL).status_code == 200
    # ...and after it, asks the database again.
    monkeypatch.setattr(authentication, "TOKEN_CACHE_SECONDS", 0.0)
    authentication.CachedTokenAuthentication.forget_all()
    assert client.get(URL).status_code == 401


def test_a_deactivated_user_is_refused_after_the_window(alice: User) -> None:
    token = Token.objects.create(user=alice)
    alice.is_active = False
    alice.save()

    assert _client(token).get(URL).status_code == 401


@pytest.mark.parametrize("key", ["\x00", "a" * 39, "A" * 40, "g" * 40, "a" * 41])
def test_a_key_that_is_not_a_token_is_refused_before_the_database(key: str, db: None) -> None:
    client = APIClient(raise_request_exception=False)

    response = client.get("/dicomweb/studies", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
