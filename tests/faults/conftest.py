"""The end-to-end fixtures: the fake Bot API (which asserts at teardown that every request
the bot made was valid) and translations."""

from tests.e2e.conftest import fake, tr

__all__ = ["fake", "tr"]
