"""Where the bot's data files live: inside the package, so that a built wheel runs on its own
(`pip install dist/*.whl && python -m bot content check` works outside the checkout)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
LOCALES_DIR = PACKAGE_DIR / "locales"
CONTENT_DIR = PACKAGE_DIR / "content"
