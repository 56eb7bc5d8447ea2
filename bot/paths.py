"""Where the project's data files live, resolved from the package location.

The bot runs from a source checkout (editable install or the Docker image copies the tree), so
migrations and catalogues sit next to the package rather than inside it.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
MIGRATIONS_DIR = PROJECT_DIR / "migrations"
LOCALES_DIR = PROJECT_DIR / "locales"
CONTENT_DIR = PACKAGE_DIR / "content"
