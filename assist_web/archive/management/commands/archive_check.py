"""Check that the archive's files and its index agree: ``manage.py archive_check``."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assist_web.archive.checking import SETTLE, ArchiveCheck, archive_check

_SHOWN = 20  # paths listed per finding; the counts are always complete


class Command(BaseCommand):
    help = (
        "Compare every stored DICOM file with the index: files missing or changed, files the "
        "index does not list, interrupted writes. Exits with status 1 when a listed file is "
        "missing or damaged. Safe to run while the site is up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checksums",
            action="store_true",
            help="also read every file and compare its SHA-256 (slow: reads the whole archive)",
        )
        parser.add_argument(
            "--repair",
            action="store_true",
            help="index the unlisted files that are DICOM objects and delete interrupted "
            f"writes (only files older than {SETTLE.seconds // 60} minutes)",
        )

    def handle(self, *args: object, **options: object) -> None:
        report = archive_check(checksums=bool(options["checksums"]), repair=bool(options["repair"]))
        what = "sizes and checksums" if options["checksums"] else "sizes"
        self.stdout.write(f"{report.instances} indexed objects checked ({what}).")
        self._finding(report.missing, "listed in the index, file missing")
        self._finding(report.damaged, "listed in the index, file changed")
        hint = "" if options["repair"] else "; --repair indexes those that are DICOM objects"
        self._finding(report.unlisted, f"files the index does not list{hint}")
        hint = "" if options["repair"] else "; --repair deletes them"
        self._finding(report.leftovers, f"interrupted writes{hint}")
        if options["repair"]:
            self._repairs(report)
        if not report.healthy:
            raise CommandError(
                f"{len(report.missing) + len(report.damaged)} stored object(s) are missing or "
                "damaged. Restore those files from the data dir's backup, then run this again."
            )
        left = report.not_reindexed if options["repair"] else report.unlisted + report.leftovers
        self.stdout.write(
            "Nothing stored is lost; the files above only take space."
            if left
            else "The index and the files agree."
        )

    def _finding(self, paths: list[str], what: str) -> None:
        if not paths:
            return
        self.stdout.write(f"{len(paths)} {what}:")
        for path in paths[:_SHOWN]:
            self.stdout.write(f"  {path}")
        if len(paths) > _SHOWN:
            self.stdout.write(f"  … and {len(paths) - _SHOWN} more")

    def _repairs(self, report: ArchiveCheck) -> None:
        if report.reindexed:
            self.stdout.write(f"Indexed {len(report.reindexed)} file(s).")
        if report.removed:
            self.stdout.write(f"Deleted {len(report.removed)} interrupted write(s).")
        for path, reason in report.not_reindexed[:_SHOWN]:
            self.stdout.write(f"Not indexed: {path}: {reason}")
