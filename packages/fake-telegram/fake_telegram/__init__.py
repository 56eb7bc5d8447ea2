"""A fake Telegram Bot API server for end-to-end tests, benchmarks and demos.

Typical use::

    async with FakeTelegram() as fake:
        bot = Bot("123456:TEST", session=AiohttpSession(
            api=TelegramAPIServer.from_base(fake.base_url)))
        ...  # start the dispatcher polling in a task
        user = fake.user(first_name="Aigerim", language_code="kk")
        reply = await user.send("/start")
        assert "Сәлем" in reply.text
        await user.click("Next")
        assert fake.violations == []

Modules: ``spec`` (api.json and request checking), ``html`` (HTML parse mode),
``entities`` (UTF-16 offsets), ``rules`` (keyboard and parse-mode rules), ``state`` and
``updates`` (what the fake remembers), ``methods`` (the Bot API methods), ``faults``
(injected errors, flood control), ``server`` (the aiohttp app), ``client`` (fake users),
``views`` (what tests inspect).
"""

from fake_telegram.client import FakeGroup, FakeUser
from fake_telegram.entities import FormattedText, entity_text, utf16_len
from fake_telegram.errors import ApiError
from fake_telegram.faults import RateLimits
from fake_telegram.html import EntityParseError, parse_html
from fake_telegram.server import FakeTelegram
from fake_telegram.spec import ApiSpec, UploadedFile
from fake_telegram.views import ApiCall, BotAction, ChatMessage, Reply

__all__ = [
    "ApiCall",
    "ApiError",
    "ApiSpec",
    "BotAction",
    "ChatMessage",
    "EntityParseError",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "FormattedText",
    "RateLimits",
    "Reply",
    "UploadedFile",
    "entity_text",
    "parse_html",
    "utf16_len",
]
