"""gettext catalogues: compiling them and resolving which language a user sees.

The `.po` files in `locales/` are the source of truth; `.mo` files are build output, compiled at
start-up when missing or older than their `.po` (and at image build time in Docker).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.domain import Language, Profile, Role
from bot.paths import LOCALES_DIR

DOMAIN = "messages"
DEFAULT_LANGUAGE = Language.RU
# Adults (parents, teachers, the moderators' chat) are addressed with «вы» / «сіз», teenagers
# with «ты» / «сен» (CONTENT.md). The catalogues `ru@formal` and `kk@formal` hold only the
# texts that differ, and fall back to `ru` and `kk` for the rest.
FORMAL = "formal"
ADULTS = frozenset({Role.PARENT, Role.TEACHER})


class CatalogError(Exception):
    """A catalogue cannot be compiled (fuzzy header, syntax error)."""


def catalog_paths(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    return sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogs(locales_dir: Path = LOCALES_DIR, *, force: bool = False) -> list[Path]:
    """Write `.mo` next to each `.po` that changed; return the files written."""
    written = []
    for po_path in catalog_paths(locales_dir):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            try:
                catalog = read_po(po_file, abort_invalid=True)
            except Exception as exc:
                raise CatalogError(f"{po_path}: {exc}") from exc
        if catalog.fuzzy:
            # pybabel would silently skip a fuzzy catalogue; a missing language is worse.
            raise CatalogError(f"{po_path}: the catalogue header is marked fuzzy")
        # Written beside and renamed over: a bot (or a test) reading the catalogue meanwhile
        # gets the old file or the new one, never half of one.
        partial = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, mo_path)
        written.append(mo_path)
    return written


def create_i18n(locales_dir: Path = LOCALES_DIR) -> I18n:
    compile_catalogs(locales_dir)
    i18n = I18n(path=locales_dir, default_locale=DEFAULT_LANGUAGE.value, domain=DOMAIN)
    for name, catalogue in i18n.locales.items():
        base, _, variant = name.partition("@")
        if variant:
            catalogue.add_fallback(i18n.locales[base])
    return i18n


def locale_of(language: Language, formal: bool) -> str:
    """The catalogue a reader gets: their language, in the formal register for adults."""
    return f"{language.value}@{FORMAL}" if formal else language.value


def is_adult(profile: Profile | None) -> bool:
    """Before a role is chosen, the bot speaks as to its main readers, teenagers."""
    return profile is not None and profile.role in ADULTS


def profile_locale(profile: Profile) -> str:
    return locale_of(profile.language, is_adult(profile))


def language_from_telegram(language_code: str | None) -> Language:
    """Before a user chooses: Kazakh for a Kazakh Telegram, Russian for anything else."""
    if language_code and language_code.lower().split("-")[0] == "kk":
        return Language.KK
    return Language.RU


@contextmanager
def speaking(i18n: I18n, locale: str) -> Iterator[None]:
    """Translate in `locale` outside a handler's own context (error handlers, jobs)."""
    with i18n.context(), i18n.use_locale(locale):
        yield


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction where it is translated later (e.g. in several languages)."""
    return message
