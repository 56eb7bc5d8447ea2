"""The end-to-end fixtures (the real bot polling the fake Bot API, fake users) for the
escaping tests; the fuzz harness itself needs none."""

from tests.e2e.conftest import (
    aigerim,
    dmitry,
    fake,
    moderators_chat,
    owner,
    running,
    tr,
)

__all__ = ["aigerim", "dmitry", "fake", "moderators_chat", "owner", "running", "tr"]
