"""Tells the moderators' chat about new tips and new answers, never at the moment the
reporter acts.

Telegram stamps every message to the second, so a card posted the instant Send is pressed
would date the reporter's action for everyone in the moderators' chat. Each notice waits a
random delay (TIP_CARD_DELAY_SECONDS). The tip itself is stored at once; a notice still
waiting when the process stops is posted after the next start (see `recover`).

Photos are uploaded from the bytes the bot re-encoded, never by the reporter's file_id.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.screens.tip_card import answer_notice, card_keyboard, card_text
from bot.services.content import Library
from bot.services.tips import TipService

logger = logging.getLogger(__name__)


class TipNotifier:
    def __init__(
        self,
        bot: Bot,
        settings: Settings,
        tips: TipService,
        library: Library,
        i18n: I18n,
        rng: random.Random | None = None,
    ) -> None:
        self._bot = bot
        self._settings = settings
        self._tips = tips
        self._library = library
        self._i18n = i18n
        self._rng = rng or random.SystemRandom()
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def chat_id(self) -> int | None:
        return self._settings.moderator_chat_id

    def tip_received(self, tip_id: int) -> None:
        self._later(lambda: self.post_tip(tip_id), f"tip {tip_id}")

    def answer_received(self, tip_id: int, answer_id: int) -> None:
        self._later(lambda: self.post_answer(tip_id, answer_id), f"answer on tip {tip_id}")

    def _later(self, post: Callable[[], Awaitable[None]], what: str) -> None:
        if self.chat_id is None:
            return  # the tip waits in /tips
        low, high = self._settings.tip_card_delay
        delay = self._rng.uniform(low, high)

        async def run() -> None:
            await asyncio.sleep(delay)
            try:
                await post()
            except Exception:  # never lose a tip over a failed notice: it waits in /tips
                logger.exception("Could not post the %s to the moderators' chat", what)

        task = asyncio.create_task(run(), name=f"notice: {what}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def stop(self) -> None:
        """Drop the notices still waiting; `recover` posts them after the next start."""
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)

    async def post_tip(self, tip_id: int) -> None:
        """The tip's photos, location and card, in the moderators' language."""
        assert self.chat_id is not None
        with self._i18n.context(), self._i18n.use_locale(self._settings.moderator_language):
            view = await self._tips.view(tip_id)
            for photo in await self._tips.photos(tip_id):
                caption = _("Tip #{id}, photo {number} of {count}").format(
                    id=tip_id, number=photo.position + 1, count=view.tip.photo_count
                )
                await self._send_photo(tip_id, photo.position, photo.file_id, photo.data, caption)
            tip = view.tip
            if tip.latitude is not None and tip.longitude is not None:
                await self._bot.send_location(
                    self.chat_id, latitude=tip.latitude, longitude=tip.longitude
                )
            language = self._settings.moderator_language
            text = card_text(view, self._library, language, self._settings.tz)
            await self._bot.send_message(self.chat_id, text, reply_markup=card_keyboard(view))

    async def post_answer(self, tip_id: int, answer_id: int) -> None:
        assert self.chat_id is not None
        with self._i18n.context(), self._i18n.use_locale(self._settings.moderator_language):
            view = await self._tips.view(tip_id)
            answer = next(e for e in view.events if e.id == answer_id)
            await self._bot.send_message(self.chat_id, answer_notice(view, answer))
            for photo in await self._tips.photos(tip_id, answer_id):
                caption = _("Tip #{id}: the reporter's photo").format(id=tip_id)
                await self._send_photo(tip_id, photo.position, photo.file_id, photo.data, caption)

    async def _send_photo(
        self, tip_id: int, position: int, file_id: str | None, data: bytes | None, caption: str
    ) -> None:
        assert self.chat_id is not None
        if data is None and file_id is None:
            return
        if file_id is not None:
            await self._bot.send_photo(self.chat_id, file_id, caption=caption)
            return
        assert data is not None
        upload = BufferedInputFile(data, filename=f"tip-{tip_id}-{position + 1}.jpg")
        sent = await self._bot.send_photo(self.chat_id, upload, caption=caption)
        if sent.photo:
            await self._tips.remember_upload(tip_id, position, sent.photo[-1].file_id)
