"""Ingest DICOM files and folders from disk: ``manage.py ingest PATH [PATH ...]``."""

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from assist_web.archive.ingest import instance_ingest


class Command(BaseCommand):
    help = "Store DICOM files (or every file under the given folders) in the archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--glob", default="*", help="only files under folders matching this, e.g. '*.dcm'"
        )

    def handle(self, *args: object, **options: object) -> None:
        counts: Counter[str] = Counter()
        for root in options["paths"]:  # type: ignore[attr-defined]
            pattern = str(options["glob"])
            files = (
                sorted(p for p in root.rglob(pattern) if p.is_file()) if root.is_dir() else [root]
            )
            for file in files:
                result = instance_ingest(data=file.read_bytes())
                counts[result.outcome] += 1
                if not result.ok:
                    self.stderr.write(f"{file}: {result.reason}")
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        self.stdout.write(summary or "no files")
