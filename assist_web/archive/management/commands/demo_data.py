"""Load the demo: one login per role, the demo model, a gpu-worker token and phantom studies.

Runs on every start of ``scripts/dev`` and does only what is missing. Passwords are made at
random, kept in ``<ASSIST_DATA_DIR>/demo-logins.txt`` (mode 600) and never reused elsewhere;
the local gpu worker's token goes to ``<ASSIST_DATA_DIR>/worker-token`` (mode 600).
"""

import io
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from rest_framework.authtoken.models import Token

from assist_web.accounts.models import Role, User
from assist_web.archive.models import Study
from assist_web.inference.models import ModelVersion
from assist_web.inference.services import model_version_activate, model_version_register
from workers.gpu.bundle_archive import bundle_pack

DEMO_USERS = (("demo", Role.PHYSICIAN), ("physicist", Role.PHYSICIST), ("admin", Role.SITE_ADMIN))
DEMO_BUNDLE = Path(settings.BASE_DIR) / "workers/gpu/bundles/assist-brain-tumour-demo"
WORKER_USER = "gpu-worker"


def _secret_file(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


class Command(BaseCommand):
    help = "Create demo users, the demo model and phantom studies (only what is missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--studies", type=int, default=2)

    def handle(self, *args: object, studies: int = 2, **options: object) -> None:
        data = Path(settings.DATA_DIR)
        if not (data / "demo-logins.txt").exists():
            _secret_file(data / "demo-logins.txt", self._users())
        if not (data / "worker-token").exists():
            robot, _ = User.objects.get_or_create(
                username=WORKER_USER, defaults={"role": Role.WORKER}
            )
            token, _ = Token.objects.get_or_create(user=robot)
            _secret_file(data / "worker-token", token.key)
        if not ModelVersion.objects.exists():
            admin = User.objects.filter(role=Role.SITE_ADMIN).first()
            version = model_version_register(
                bundle_file=io.BytesIO(bundle_pack(DEMO_BUNDLE)),
                uploaded_by=admin,
                trained_how="Demo bundle shipped with ASSIST, trained on phantom studies.",
            )
            model_version_activate(version=version, user=admin)
        if not Study.objects.exists() and studies > 0:
            folder = data / "phantoms"
            call_command("make_phantoms", out=str(folder), count=studies, seed=1000, site="lund")
            call_command("ingest", str(folder), glob="*.dcm")
        self.stdout.write(f"{Study.objects.count()} studies in the archive")

    def _users(self) -> str:
        lines = []
        for username, role in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
            user.role = role
            user.set_password(password)
            user.save()
            lines.append(f"  log in as {username:<10} password {password}   ({role.label})")
        return "\n".join(lines) + "\n"
