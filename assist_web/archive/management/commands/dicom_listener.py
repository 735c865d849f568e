"""Run the DICOM listener (C-STORE SCP and C-ECHO): ``manage.py dicom_listener``."""

import signal
import threading
from types import FrameType

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assist_web.archive.scp import ListenerConfig, listener_start
from assist_web.archive.scp_peers import reactor_crash_hook


class Command(BaseCommand):
    help = (
        "Accept DICOM objects pushed by scanners and PACS (C-STORE) into the archive. "
        "AE title, port and bind address come from ASSIST_AE_TITLE, ASSIST_DICOM_PORT and "
        "ASSIST_DICOM_BIND unless given here; the callers allowed from ASSIST_DICOM_ALLOWED_AES."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, help="TCP port (default: ASSIST_DICOM_PORT)")
        parser.add_argument("--ae-title", help="AE title (default: ASSIST_AE_TITLE)")

    def handle(self, *args: object, **options: object) -> None:
        port = options.get("port")
        ae_title = options.get("ae_title")
        try:
            config = ListenerConfig.from_settings(
                port=int(port) if isinstance(port, int) else None,
                ae_title=str(ae_title) if ae_title else None,
            )
        except ImproperlyConfigured as problem:
            raise CommandError(str(problem)) from None
        if not 0 < config.port < 65536:
            self.stderr.write(f"Port must be 1-65535, not {config.port}")
            raise SystemExit(2)
        if not 0 < len(config.ae_title) <= 16:
            self.stderr.write("AE title must be 1-16 characters")
            raise SystemExit(2)
        self.stdout.write(
            f"DICOM listener {config.ae_title} on {config.bind}:{config.port}; Ctrl-C to stop"
        )
        self.stdout.flush()
        # systemd and Docker stop services with SIGTERM: stop the same way as on Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        # A malformed PDU can end pynetdicom's reader thread: one log line, not a traceback.
        threading.excepthook = reactor_crash_hook(threading.excepthook)
        try:
            listener_start(config=config, block=True)
        except KeyboardInterrupt:
            self.stdout.write("DICOM listener stopped")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
