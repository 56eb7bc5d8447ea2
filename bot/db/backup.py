"""Online backups with SQLite's backup API: a consistent copy while the bot keeps writing."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path


class BackupError(Exception):
    pass


def backup(source: Path, target: Path) -> int:
    """Copy the database at `source` to `target` (replaced if it exists); return its pages.

    The backup API copies page by page and restarts if the source changes meanwhile, so the
    copy is a consistent snapshot even when the bot is running (WAL mode lets both proceed).
    """
    if not source.exists():
        raise BackupError(f"{source}: no database here")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must go to another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Readable by its owner only, from the first byte written (DESIGN.md, deleted means
    # unreadable: a backup is as sensitive as the database).
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(partial)) as dst,
    ):
        src.execute("PRAGMA busy_timeout=5000")
        dst.execute("PRAGMA secure_delete=ON")
        src.backup(dst, pages=1024)
        # A standalone file: no -wal beside it is needed to restore it.
        dst.execute("PRAGMA journal_mode=DELETE")
        (result,) = dst.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
        (pages,) = dst.execute("PRAGMA page_count").fetchone()
    partial.replace(target)  # the finished copy appears at once, never half written
    return int(pages)
