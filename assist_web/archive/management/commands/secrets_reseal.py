"""Seal stored PACS secrets under the current SECRET_KEY, after a key rotation."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assist_web.archive.models import RemotePacs
from assist_web.sealed import secrets_reseal


class Command(BaseCommand):
    help = (
        "Re-seal stored secrets (remote PACS passwords and tokens) under SECRET_KEY. Run it "
        "after rotating SECRET_KEY with the old key in SECRET_KEY_FALLBACKS; then the old key "
        "can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        unreadable = secrets_reseal(model=RemotePacs, field_name="secret")
        if unreadable:
            raise CommandError(
                f"{unreadable} stored secret(s) cannot be opened with SECRET_KEY or "
                "SECRET_KEY_FALLBACKS and were left as they are; enter them again in the admin "
                "(Remote PACS)."
            )
        self.stdout.write("Stored secrets are sealed under the current SECRET_KEY.")
