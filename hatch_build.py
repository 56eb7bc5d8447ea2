"""Compiles the gettext catalogues (.po -> .mo) into the wheel, so that it runs on its own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        for po in Path(self.root, "bot", "locales").glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue  # up to date (`python -m bot i18n compile` or a test run wrote it)
            with po.open("rb") as source:
                catalog = read_po(source)
            # Written beside and renamed over, as bot.i18n.compile_catalogs does: a bot of
            # this checkout reading the catalogue meanwhile never gets half of one.
            partial = mo.with_suffix(f".mo.{os.getpid()}.tmp")
            with partial.open("wb") as target:
                write_mo(target, catalog)
            os.replace(partial, mo)
