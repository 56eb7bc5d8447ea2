"""Tells the moderators about new tips and answers, and opens a tip's details for one staff
member at a time.

- Never at the moment the reporter acts: Telegram stamps every message to the second, so a
  card posted the instant Send is pressed would date the reporter's action for everyone in
  the moderators' chat. Each notice waits a random delay (TIP_CARD_DELAY_SECONDS). The tip is
  stored at once with a flag that a notice is owed; `recover` posts what a stop left owed.
- The shared moderators' chat sees what all its members may see: category, region, how often
  the place was reported, status. The text, links, photos and the exact location are sent to a
  staff member's private chat when they press Details, after a role check (the handler's).
  When the chat is a forum, each region's cards go to a topic of their own.
- Photos are uploaded from the bytes the bot re-encoded, never by the reporter's file_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.domain import Language
from bot.i18n import locale_of
from bot.screens.tip_card import (
    answer_notice,
    answer_summary,
    card_keyboard,
    card_text,
    summary_keyboard,
    summary_text,
)
from bot.services.content import Library
from bot.services.tips import TipService, TipView

logger = logging.getLogger(__name__)

NO_REGION_TOPIC = "-"


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
        self._scheduled: set[tuple[int, ...]] = set()
        self._is_forum: bool | None = None
        # A webhook replica leaves notices owed in the database; the worker posts them
        # (`recover`, run regularly there), so that a replica stopped or killed during the
        # random delay loses none.
        self.left_to_worker = False

    @property
    def chat_id(self) -> int | None:
        return self._settings.moderator_chat_id

    # -- notices, after a random delay ---------------------------------------------------

    def tip_received(self, tip_id: int) -> None:
        if not self.left_to_worker:
            self._later((tip_id,), lambda: self.post_tip(tip_id), "a tip")

    def answer_received(self, tip_id: int, answer_id: int) -> None:
        if not self.left_to_worker:
            self._later(
                (tip_id, answer_id), lambda: self.post_answer(tip_id, answer_id), "an answer"
            )

    async def recover(self) -> int:
        """Schedule the owed notices not scheduled yet (each with a fresh random delay): at
        start, what a stop left owed; in the worker, regularly, what replicas left."""
        pending = await self._tips.pending_notices()
        scheduled = len(self._scheduled)
        for tip_id in pending.tips:
            self._later((tip_id,), partial(self.post_tip, tip_id), "a tip")
        for tip_id, answer_id in pending.answers:
            self._later(
                (tip_id, answer_id), partial(self.post_answer, tip_id, answer_id), "an answer"
            )
        return len(self._scheduled) - scheduled

    def _later(self, key: tuple[int, ...], post: Callable[[], Awaitable[None]], what: str) -> None:
        """Post after a random delay, unless the notice `key` is scheduled already."""
        if key in self._scheduled:
            return
        low, high = self._settings.tip_card_delay
        delay = self._rng.uniform(low, high)

        async def run() -> None:
            await asyncio.sleep(delay)
            try:
                await post()
            except Exception:  # never lose a tip over a failed notice: it stays owed
                logger.exception("Could not post %s to the moderators' chat", what)

        task = asyncio.create_task(run(), name=f"notice: {what}")
        self._scheduled.add(key)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        task.add_done_callback(lambda _: self._scheduled.discard(key))

    async def stop(self) -> None:
        """Drop the notices still waiting; `recover` posts them after the next start."""
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)

    async def post_tip(self, tip_id: int) -> None:
        """The summary card in the shared chat (in its region's topic, in a forum). The tip
        becomes visible to staff (in /tips too) as its card goes out, not before; without a
        shared chat, after the same delay."""
        view = await self._tips.view(tip_id, pending=True)
        # Marked first, so that no one opening the card finds the tip still hidden. If
        # Telegram then refuses the card for good, the tip waits in /tips.
        await self._tips.notice_posted(tip_id)
        if self.chat_id is None:
            return
        with self._moderators_language():
            text = summary_text(view, self._library, self._settings.moderator_language)
            thread = await self._thread(view.tip.region)
            await self._bot.send_message(
                self.chat_id, text, reply_markup=summary_keyboard(view), message_thread_id=thread
            )

    async def post_answer(self, tip_id: int, answer_id: int) -> None:
        view = await self._tips.view(tip_id, pending=True)
        await self._tips.notice_posted(tip_id, answer_id)
        if self.chat_id is None:
            return
        with self._moderators_language():
            thread = await self._thread(view.tip.region)
            await self._bot.send_message(
                self.chat_id,
                answer_summary(view),
                reply_markup=summary_keyboard(view),
                message_thread_id=thread,
            )

    # -- details, in one staff member's private chat ---------------------------------------

    async def send_details(
        self, chat_id: int, view: TipView, language: Language, *, volunteer: bool
    ) -> None:
        """Photos, the exact location, the full card and its answers, to one person."""
        tip = view.tip
        for photo in await self._tips.photos(tip.id):
            caption = _("Tip #{id}, photo {number} of {count}").format(
                id=tip.id, number=photo.position + 1, count=tip.photo_count
            )
            await self._send_photo(
                chat_id, tip.id, photo.position, photo.file_id, photo.data, caption
            )
        if tip.latitude is not None and tip.longitude is not None:
            await self._bot.send_location(chat_id, latitude=tip.latitude, longitude=tip.longitude)
        text = card_text(view, self._library, language, self._settings.tz)
        keyboard = card_keyboard(view, volunteer=volunteer)
        await self._bot.send_message(chat_id, text, reply_markup=keyboard)
        for answer in view.answers:
            await self._bot.send_message(chat_id, answer_notice(view, answer))
            if answer.photo_count:
                for photo in await self._tips.photos(tip.id, answer.id):
                    caption = _("Tip #{id}: the reporter's photo").format(id=tip.id)
                    await self._send_photo(
                        chat_id, tip.id, photo.position, photo.file_id, photo.data, caption
                    )

    async def _send_photo(
        self,
        chat_id: int,
        tip_id: int,
        position: int,
        file_id: str | None,
        data: bytes | None,
        caption: str,
    ) -> None:
        if file_id is not None:
            await self._bot.send_photo(chat_id, file_id, caption=caption)
            return
        if data is None:
            return  # purged after the retention period
        upload = BufferedInputFile(data, filename=f"tip-{tip_id}-{position + 1}.jpg")
        sent = await self._bot.send_photo(chat_id, upload, caption=caption)
        if sent.photo:
            # The bot's own upload: sent again by this id, never by the reporter's.
            await self._tips.remember_upload(tip_id, position, sent.photo[-1].file_id)

    # -- the shared chat's topics -----------------------------------------------------------

    async def _thread(self, region: str | None) -> int | None:
        """The forum topic of the region's cards (made on first use), or None."""
        assert self.chat_id is not None
        if self._is_forum is None:
            chat = await self._bot.get_chat(self.chat_id)
            self._is_forum = bool(chat.is_forum)
        if not self._is_forum:
            return None
        key = region or NO_REGION_TOPIC
        thread = await self._tips.topic(key)
        if thread is not None:
            return thread
        name = self._library.region_name(region, self._settings.moderator_language) or _(
            "Tips without a region"
        )
        try:
            topic = await self._bot.create_forum_topic(self.chat_id, name=name[:128])
        except TelegramAPIError as exc:  # no right to manage topics: the general topic
            logger.warning("Could not create a forum topic: %s", type(exc).__name__)
            return None
        await self._tips.set_topic(key, topic.message_thread_id)
        return topic.message_thread_id

    @contextlib.contextmanager
    def _moderators_language(self) -> Iterator[None]:
        """The moderators' language for what is composed here, outside any update."""
        with (
            self._i18n.context(),
            self._i18n.use_locale(locale_of(self._settings.moderator_language, formal=True)),
        ):
            yield
