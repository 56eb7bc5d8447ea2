"""Connects the delivery engine to Telegram: how one broadcast message is sent, how Telegram's
errors map to the engine's, and how a moderator watches the progress."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.db import Database
from bot.db.repositories import users
from bot.domain import Broadcast, BroadcastContent, BroadcastStatus, ButtonKind, Language
from bot.i18n import locale_of, speaking
from bot.keyboards.broadcast import broadcast_controls
from bot.keyboards.callbacks import OpenScreen, Screen, StartQuiz, TopicCard
from bot.keyboards.course import reminder_keyboard
from bot.middlewares.fresh import from_broadcast
from bot.services.broadcaster import (
    PermanentError,
    RetryAfterError,
    TransientError,
    UnreachableError,
)
from bot.services.content import Library
from bot.telegram_session import paced_by_caller

logger = logging.getLogger(__name__)

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")


def content_button(
    content: BroadcastContent, language: Language, library: Library
) -> InlineKeyboardMarkup | None:
    """The optional button under a broadcast, labelled in the recipient's language; a
    course's reminder has two (open the course, stop it)."""
    kind, target = content.button_kind, content.button_target or ""
    if content.course_id is not None:
        course = library.course(content.course_id)
        return None if course is None else _fresh(reminder_keyboard(course))
    if kind is ButtonKind.TOPIC and (topic := library.topic(target)) is not None:
        button = InlineKeyboardButton(
            text=f"{topic.emoji} {topic.title.get(language)}",
            callback_data=TopicCard(topic=topic.id, card=0).pack(),
        )
    elif kind is ButtonKind.QUIZ and (quiz := library.quiz(target)) is not None:
        button = InlineKeyboardButton(
            text=f"{quiz.emoji} {quiz.title.get(language)}",
            callback_data=StartQuiz(quiz=quiz.id).pack(),
        )
    elif kind is ButtonKind.REPORT:
        button = InlineKeyboardButton(
            text=_("🕵️ Report anonymously"), callback_data=OpenScreen(screen=Screen.REPORT).pack()
        )
    elif kind is ButtonKind.HELP:
        button = InlineKeyboardButton(
            text=_("🆘 Get help now"), callback_data=OpenScreen(screen=Screen.HELP).pack()
        )
    else:
        return None
    return _fresh(InlineKeyboardMarkup(inline_keyboard=[[button]]))


def _fresh(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """Each button opens its screen in a new message: the broadcast stays where it is."""
    for row in markup.inline_keyboard:
        for button in row:
            button.callback_data = from_broadcast(str(button.callback_data))
    return markup


async def send_content(
    bot: Bot, chat_id: int, language: Language, content: BroadcastContent, library: Library
) -> None:
    markup = content_button(content, language, library)
    if content.photo_file_id:
        await bot.send_photo(
            chat_id, content.photo_file_id, caption=content.text(language), reply_markup=markup
        )
    else:
        await bot.send_message(chat_id, content.text(language), reply_markup=markup)


class TelegramSender:
    """The engine's Sender: one message, in the recipient's language."""

    def __init__(self, bot: Bot, i18n: I18n, library: Library) -> None:
        self._bot = bot
        self._i18n = i18n
        self._library = library

    async def send(self, chat_id: int, language: Language, content: BroadcastContent) -> None:
        try:
            # The broadcaster paces itself: a 429 pauses the whole broadcast, failures wait
            # in its queue while the rest of the audience is served.
            with speaking(self._i18n, language.value), paced_by_caller():
                await send_content(self._bot, chat_id, language, content, self._library)
        except TelegramRetryAfter as exc:
            raise RetryAfterError(exc.retry_after) from exc
        except TelegramForbiddenError as exc:
            raise UnreachableError(exc.message) from exc
        except TelegramBadRequest as exc:
            if any(hint in exc.message.lower() for hint in UNREACHABLE_HINTS):
                raise UnreachableError(exc.message) from exc
            raise PermanentError(exc.message) from exc
        except (TelegramServerError, TelegramNetworkError) as exc:
            raise TransientError(str(exc)) from exc
        except TelegramAPIError as exc:
            raise PermanentError(str(exc)) from exc
        except TimeoutError as exc:
            raise TransientError("timeout") from exc


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = width if total == 0 else round(width * done / total)
    return "▓" * filled + "░" * (width - filled)


def status_name(status: BroadcastStatus) -> str:
    names = {
        BroadcastStatus.RUNNING: _("sending"),
        BroadcastStatus.PAUSED: _("paused"),
        BroadcastStatus.CANCELLED: _("cancelled"),
        BroadcastStatus.DONE: _("finished"),
        BroadcastStatus.SKIPPED: _("skipped"),
    }
    return names[status]


def progress_text(broadcast: Broadcast, rate: float | None) -> str:
    done, total = broadcast.done_count, broadcast.total
    percent = 100 if total == 0 else round(100 * done / total)
    lines = [
        _("📣 <b>Broadcast #{id}</b>: {status}").format(
            id=broadcast.id, status=status_name(broadcast.status)
        ),
        f"{progress_bar(done, total)} {percent}%",
        _("Sent: {sent} · Failed: {failed} · Blocked: {blocked} · Left: {left}").format(
            sent=broadcast.sent,
            failed=broadcast.failed,
            blocked=broadcast.blocked,
            left=broadcast.left,
        ),
    ]
    if rate and broadcast.status is BroadcastStatus.RUNNING and broadcast.left:
        lines.append(
            _("Rate: {rate:.1f}/s · About {seconds} s left").format(
                rate=rate, seconds=round(broadcast.left / rate)
            )
        )
    preview = broadcast.content.text_ru or broadcast.content.text_kk or ""
    lines += ["", escape(_strip_tags(preview)[:120])]
    return "\n".join(lines)


def _strip_tags(html: str) -> str:
    """Broadcast text is HTML; the progress card quotes its start as plain text."""
    out, inside = [], False
    for ch in html:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return "".join(out).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class ProgressReporter:
    """Edits the moderator's progress message, in that moderator's language."""

    def __init__(self, bot: Bot, i18n: I18n, db: Database, default: Language) -> None:
        self._bot = bot
        self._i18n = i18n
        self._db = db
        self._default = default

    async def language_of(self, chat_id: int) -> Language:
        async with self._db.transaction() as conn:
            profile = await users.get(conn, chat_id)
        return profile.language if profile else self._default

    async def __call__(self, broadcast: Broadcast, rate: float) -> None:
        chat_id, message_id = broadcast.progress_chat_id, broadcast.progress_message_id
        if chat_id is None or message_id is None:
            return
        # Progress goes to a moderator: an adult, addressed formally.
        with speaking(self._i18n, locale_of(await self.language_of(chat_id), formal=True)):
            try:
                await self._bot.edit_message_text(
                    progress_text(broadcast, rate),
                    chat_id=chat_id,
                    message_id=message_id,
                    reply_markup=broadcast_controls(broadcast),
                )
            except TelegramBadRequest as exc:
                if "not modified" not in exc.message:
                    raise
