"""Keyboards and texts that depend only on their arguments and the language are built once per
language.

Screens such as /help and the main menu are asked for on every other update; building them
anew (a dozen gettext lookups, pydantic buttons) showed in bench/updates.py. Markups are frozen
pydantic models and texts are strings, so sharing them is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps
from typing import ParamSpec, TypeVar

from aiogram.utils.i18n import I18n

P = ParamSpec("P")
R = TypeVar("R")


def per_language(build: Callable[P, R]) -> Callable[P, R]:
    cache: dict[tuple[str, tuple[Hashable, ...], tuple[tuple[str, Hashable], ...]], R] = {}

    @wraps(build)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        i18n = I18n.get_current(no_error=True)
        if i18n is None:  # outside a translation context: nothing to key on
            return build(*args, **kwargs)
        key = (i18n.current_locale, tuple(args), tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = build(*args, **kwargs)
        return cache[key]

    return cached
