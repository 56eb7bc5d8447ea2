"""Fills missing translations of the gettext catalogues from a Python file of
{msgid: (kk, ru)} (plural msgids as tuples, their translations as tuples of forms).

    .venv/bin/python tools/fill_po.py TRANSLATIONS.py
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LANGUAGES = ("kk", "ru")


def main(source: str) -> None:
    table = runpy.run_path(source)["T"]
    for index, language in enumerate(LANGUAGES):
        path = Path(f"bot/locales/{language}/LC_MESSAGES/messages.po")
        with path.open("rb") as file:
            catalog = read_po(file)
        filled = 0
        for message in catalog:
            if message.id in table and not (
                all(message.string) if isinstance(message.string, tuple) else message.string
            ):
                message.string = table[message.id][index]
                filled += 1
        with path.open("wb") as file:
            write_po(file, catalog, width=76, omit_header=False, ignore_obsolete=True)
        print(f"{language}: filled {filled}")  # noqa: T201 - a command-line tool


if __name__ == "__main__":
    main(sys.argv[1])
