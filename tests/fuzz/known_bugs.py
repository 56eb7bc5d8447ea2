"""Bugs the fuzzer found that are not fixed yet.

When the fuzzer finds a bug that is not fixed at once: replay it step by step in a test
marked `xfail(strict=True)` (see test_fuzz_findings.py for the style), and list it here by
its signature. The fuzz test then counts its hits apart, in its figures, instead of failing
on them, so it keeps guarding everything else. Once the bug is fixed, its test passes, which
fails the run (strict): remove the marker there and the entry here.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownBug:
    name: str
    exception: type[BaseException]
    message: str  # a part of str(exception)
    # Where the traceback passes: "dir/" (a directory), "dir/file.py" or "dir/file.py:function".
    where: str
    test: str  # the xfail test that reproduces it

    def matches(self, exc: BaseException) -> bool:
        if not isinstance(exc, self.exception) or self.message not in str(exc):
            return False
        path, _, function = self.where.partition(":")

        def passes(filename: str) -> bool:
            filename = filename.replace(os.sep, "/")
            return f"/{path}" in filename if path.endswith("/") else filename.endswith(path)

        return any(
            passes(frame.filename) and (not function or frame.name == function)
            for frame in traceback.extract_tb(exc.__traceback__)
        )


# None open: every bug the fuzzer found (test_fuzz_findings.py) is fixed. An entry looks like
#     KnownBug("stale-start-button", EmptyBroadcastError, "",
#              "bot/handlers/broadcast_compose.py", "test_a_stale_start_button_...")
KNOWN_BUGS: tuple[KnownBug, ...] = ()


def known_bug(exc: BaseException | None) -> KnownBug | None:
    """The known bug this exception is an instance of, if any."""
    if exc is None:
        return None
    return next((bug for bug in KNOWN_BUGS if bug.matches(exc)), None)
