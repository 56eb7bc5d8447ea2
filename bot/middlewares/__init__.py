"""Per-update context: the user's profile, their language, and the flood limit."""

from bot.middlewares.inflight import InFlightMiddleware
from bot.middlewares.locale import LocaleMiddleware
from bot.middlewares.profile import ProfileMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware

__all__ = ["InFlightMiddleware", "LocaleMiddleware", "ProfileMiddleware", "ThrottlingMiddleware"]
