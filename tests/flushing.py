"""What reached the disk before the database committed: a spy on os.fsync and the commit."""

import os
from collections.abc import Iterator

import pytest
from django.db import connection


class FlushLog:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []  # ("fsync", inode) or ("commit", 0)

    def flushed_before_commit(self) -> set[int]:
        """Inodes of the files and folders flushed before the first commit (there must be one)."""
        first = self.events.index(("commit", 0))
        return {inode for what, inode in self.events[:first] if what == "fsync"}


@pytest.fixture
def flush_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[FlushLog]:
    log, real_fsync, real_commit = FlushLog(), os.fsync, connection.commit

    def fsync(fd: int) -> None:
        real_fsync(fd)
        log.events.append(("fsync", os.fstat(fd).st_ino))

    def commit() -> None:
        log.events.append(("commit", 0))
        real_commit()

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(connection, "commit", commit)
    yield log
