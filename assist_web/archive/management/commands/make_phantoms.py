"""Write synthetic brain-tumour MR studies: ``manage.py make_phantoms [--count N] ...``."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from workers.phantoms import GRIDS, PROFILES, make_phantom, write_phantom_study


class Command(BaseCommand):
    help = "Write phantom studies (DICOM T1, T1C, T2, FLAIR plus labels.nii.gz and case.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="default: <ASSIST_DATA_DIR>/phantoms")
        parser.add_argument("--count", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1, help="case k uses seed SEED + k")
        parser.add_argument("--site", choices=sorted(PROFILES), default="default")
        parser.add_argument("--grid", choices=sorted(GRIDS), default="clinical")

    def handle(self, *args: object, **options: object) -> None:
        out = Path(str(options["out"] or Path(settings.DATA_DIR) / "phantoms"))
        count, first = int(str(options["count"])), int(str(options["seed"]))
        for seed in range(first, first + count):
            phantom = make_phantom(seed, site=str(options["site"]), grid=str(options["grid"]))
            files = write_phantom_study(phantom, out)
            slices = sum(len(paths) for paths in files.series.values())
            self.stdout.write(f"{files.case_dir}: {slices} slices, labels {files.labels.name}")
