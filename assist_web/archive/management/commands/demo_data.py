"""Load the demo: phantom brain-tumour studies and one login per role.

Runs on every start of ``scripts/dev`` and does nothing the second time. Passwords are made
at random, kept in ``<ASSIST_DATA_DIR>/demo-logins.txt`` (mode 600) and never reused elsewhere.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from assist_web.accounts.models import Role, User
from assist_web.archive.models import Study

DEMO_USERS = (("demo", Role.PHYSICIAN), ("physicist", Role.PHYSICIST), ("admin", Role.SITE_ADMIN))


class Command(BaseCommand):
    help = "Create demo users and load phantom studies (only if the site is empty)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--studies", type=int, default=2)

    def handle(self, *args: object, studies: int = 2, **options: object) -> None:
        logins = Path(settings.DATA_DIR) / "demo-logins.txt"
        if not logins.exists():
            lines = []
            for username, role in DEMO_USERS:
                password = secrets.token_urlsafe(9)
                user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
                user.role = role
                user.set_password(password)
                user.save()
                lines.append(f"  log in as {username:<10} password {password}   ({role.label})")
            logins.write_text("\n".join(lines) + "\n")
            logins.chmod(0o600)
        if not Study.objects.exists() and studies > 0:
            folder = Path(settings.DATA_DIR) / "phantoms"
            call_command("make_phantoms", out=str(folder), count=studies, seed=1000, site="lund")
            call_command("ingest", str(folder), glob="*.dcm")
        self.stdout.write(f"{Study.objects.count()} studies in the archive")
