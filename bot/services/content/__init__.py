"""Prevention content, help contacts and regions: data files validated once at start-up."""

from bot.services.content.loader import ContentError, load_library
from bot.services.content.models import Library

__all__ = ["ContentError", "Library", "load_library"]
