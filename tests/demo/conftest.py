"""The demo for tests: the demo server on a free port of 127.0.0.1 with its own database, an
HTTP client for its JSON API, and (when Playwright and Debian's chromium are installed) a
real headless Chromium page, with screenshots saved under test-artifacts/browser/."""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiogram import Router
from aiogram.filters import Command
from qorgan_demo import DemoServer
from qorgan_demo.web import CSRF_HEADER

from bot.domain import Language
from bot.handlers import build_routers
from bot.i18n import create_i18n

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

Tr = Callable[[str, Language | str], str]


def chromium() -> Path | None:
    """Debian's chromium, if installed."""
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    if chromium() is None:
        return "Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"
    return None


def commands_handled() -> set[str]:
    """Every command some handler of the bot answers (read from its routers)."""
    found: set[str] = set()

    def walk(router: Router) -> None:
        for handler in router.message.handlers:
            for flt in handler.filters or []:
                if isinstance(flt.callback, Command):
                    found.update(c for c in flt.callback.commands if isinstance(c, str))
        for child in router.sub_routers:
            walk(child)

    for router in build_routers(-1):
        walk(router)
    return found


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[DemoServer]:
    """The demo, as `python -m bot demo` runs it, on a free port."""
    server = DemoServer(
        "127.0.0.1",
        0,
        tmp_path / "demo.sqlite3",
        # Test clicks come faster than people's; no .env of the developer's leaks in.
        settings_overrides={"flood_limit": 100, "_env_file": None, "log_level": "INFO"},
    )
    async with server:
        yield server
        # Every request the bot made in the demo matched the Bot API specification.
        assert server.bot.fake.violations == []


class DemoClient:
    """The page's side of the JSON API."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url.rstrip("/")

    async def state(self, persona: str, version: str | None = None) -> dict[str, Any]:
        params = {"persona": persona} | ({"version": version} if version else {})
        async with self.session.get(f"{self.url}/api/state", params=params) as response:
            assert response.status == 200, await response.text()
            result: dict[str, Any] = await response.json()
            return result

    async def chat(self, persona: str, kind: str = "private") -> dict[str, Any]:
        state = await self.state(persona)
        chat: dict[str, Any] = next(c for c in state["chats"] if c["kind"] == kind)
        return chat

    async def post(self, path: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        async with self.session.post(
            f"{self.url}/api/{path}", json=body, headers={CSRF_HEADER: "1"}
        ) as response:
            assert response.status == expect, await response.text()
            result: dict[str, Any] = await response.json()
            return result

    async def press(self, persona: str, text: str, kind: str = "private") -> dict[str, Any]:
        """Press the inline button labelled ``text`` of the newest message that has it."""
        chat = await self.chat(persona, kind)
        for message in reversed(chat["messages"]):
            for r, row in enumerate(message["inline_keyboard"]):
                for c, button in enumerate(row):
                    if button["text"] == text:
                        return await self.post(
                            "press",
                            persona=persona,
                            chat=kind,
                            message_id=message["id"],
                            row=r,
                            column=c,
                        )
        raise AssertionError(f"no button {text!r} in {persona}'s {kind} chat")


@pytest.fixture
async def client(demo: DemoServer) -> AsyncIterator[DemoClient]:
    async with aiohttp.ClientSession() as session:
        yield DemoClient(session, demo.url)


@pytest.fixture
def tr() -> Tr:
    """What the bot says to a user of ``language``, for an English msgid."""
    i18n = create_i18n()

    def translate(msgid: str, language: Language | str) -> str:
        """`language` is a Language, or a locale such as adult(Language.RU) ("ru@formal"):
        what a parent or a teacher reads."""
        locale = language.value if isinstance(language, Language) else language
        return i18n.gettext(msgid, locale=locale)

    return translate


class Shots:
    """Numbered screenshots of one test, kept as artifacts."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.count = 0

    async def __call__(self, step: str) -> None:
        self.count += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{self.count:02d}-{step}.png"
        await self.page.screenshot(path=str(path), full_page=False)


@pytest.fixture
async def page(demo: DemoServer, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A headless Chromium tab on the demo page (browser language: Kazakh)."""
    reason = browser_missing()
    if reason is not None:
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    executable = chromium()
    locale = getattr(request, "param", "kk-KZ")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(
                locale=locale, viewport={"width": 1180, "height": 820}, accept_downloads=True
            )
            tab = await context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            await tab.goto(demo.url)
            yield tab
            assert errors == [], errors
            await context.close()
        finally:
            await browser.close()


@pytest.fixture
def shots(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, re.sub(r"\W+", "_", request.node.name).strip("_"))
