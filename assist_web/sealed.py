"""Secrets the site must present to other systems (a PACS password or token), stored sealed.

The site has to send such a secret as it was given, so it cannot be hashed like a login
password; it is encrypted instead (Fernet: AES-128-CBC with an HMAC-SHA256 tag) under a key
derived from ``SECRET_KEY``. A copy of the database alone (a backup, a dump handed to a
vendor) then holds no usable credential. Rotating ``SECRET_KEY`` keeps stored secrets
readable while the old key is listed in ``SECRET_KEY_FALLBACKS``; ``manage.py
secrets_reseal`` rewrites them under the new key so the old one can be dropped.
"""

import base64
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connections, models

logger = logging.getLogger(__name__)

# Marks a sealed value in the database; a value without it was stored before sealing existed.
PREFIX = "sealed:v1:"
_PURPOSE = b"assist: secrets for remote systems"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    """The current key first (it seals), then the fallbacks (they only unseal)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(k) for k in keys])


def secret_seal(plain: str) -> str:
    if not plain:
        return ""
    return PREFIX + _keys().encrypt(plain.encode()).decode("ascii")


class SecretUnreadable(Exception):
    """A sealed secret that none of the configured keys opens."""


def secret_unseal(stored: str) -> str:
    """The plain secret; raises SecretUnreadable when no key opens it."""
    if not stored.startswith(PREFIX):
        return stored  # stored before sealing; the migration seals these
    try:
        return _keys().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise SecretUnreadable(
            "A stored secret cannot be opened with SECRET_KEY or SECRET_KEY_FALLBACKS; "
            "was SECRET_KEY changed without keeping the old one as a fallback? Enter the "
            "secret again."
        ) from None


class SealedTextField(models.TextField):
    """Text kept sealed in the database and plain in Python.

    A value that no key opens reads as "" (and is logged, without the value), so that a
    changed ``SECRET_KEY`` shows up as a missing secret to enter again rather than as pages
    that fail to load.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return value
        try:
            return secret_unseal(value)
        except SecretUnreadable as error:
            logger.warning("%s.%s: %s", self.model.__name__, self.name, error)
            return ""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value is None else secret_seal(str(value))


def secrets_reseal(*, model: type[models.Model], field_name: str, using: str = "default") -> int:
    """Seal every stored value of one field under the current key: values stored before
    sealing existed, and values sealed under a key now only in ``SECRET_KEY_FALLBACKS``.
    Returns how many values no key opens; those are left as they are."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, SealedTextField) and field.column
    quote = connections[using].ops.quote_name
    table, column = quote(model._meta.db_table), quote(field.column)
    unreadable = 0
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table}")  # noqa: S608 - model names
        for key, stored in cursor.fetchall():
            if not stored:
                continue
            try:
                plain = secret_unseal(stored)
            except SecretUnreadable:
                unreadable += 1
                continue
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                [secret_seal(plain), key],
            )
    return unreadable
