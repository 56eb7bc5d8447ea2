"""Reads what a reporter sends into plain values for the services: the text with the links
Telegram marked, the origin of a forwarded post, and a photo downloaded and cleaned.

Nothing here keeps the reporter's own ids: a photo is downloaded once and re-encoded (its
file_id is dropped), and a post the reporter forwarded from themself keeps no origin.
"""

from __future__ import annotations

import logging

import aiohttp
from aiogram import Bot
from aiogram.enums import MessageEntityType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot.domain import Link, Origin, OriginKind
from bot.services.drafts import FormInput
from bot.services.links import channel_post
from bot.services.photos import CleanPhoto, NotAPhotoError, clean_async

logger = logging.getLogger(__name__)

# The largest photo size Telegram lets a bot download is 20 MB; photos are far smaller.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_TITLE = 128
LINK_ENTITIES = {MessageEntityType.URL, MessageEntityType.TEXT_LINK, MessageEntityType.MENTION}


class PhotoUnreadableError(Exception):
    """The photo could not be downloaded or decoded; the reporter is asked to send it again."""


def marked_links(message: Message) -> tuple[str, tuple[tuple[str, str | None], ...]]:
    """The message's text (or caption) and its link entities as (covered text, URL)."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or []
    marked = tuple(
        (entity.extract_from(text), entity.url if entity.type == "text_link" else None)
        for entity in entities
        if entity.type in LINK_ENTITIES
    )
    return text, marked


def forward_source(message: Message, reporter_id: int) -> tuple[Link | None, Origin | None]:
    """Where a forwarded post came from: a public link, or an origin without one."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        link = channel_post(origin.chat.username, origin.message_id)
        return link, None if link else Origin(
            OriginKind.PRIVATE_CHANNEL, _title(origin.chat.title), origin.chat.id
        )
    if isinstance(origin, MessageOriginChat):
        link = channel_post(origin.sender_chat.username, None)
        chat = origin.sender_chat
        return link, None if link else Origin(OriginKind.PRIVATE_CHAT, _title(chat.title), chat.id)
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        if user.id == reporter_id:
            return None, None  # the reporter's own message: nothing to say where it came from
        link = channel_post(user.username, None)
        return link, None if link else Origin(OriginKind.USER, _title(user.full_name), user.id)
    if isinstance(origin, MessageOriginHiddenUser):
        # The name shown is whatever the sender chose; it is not kept.
        return None, Origin(OriginKind.HIDDEN)
    return None, None


def _title(title: str | None) -> str | None:
    return title[:MAX_TITLE] if title else None


async def download_photo(message: Message, bot: Bot) -> CleanPhoto | None:
    """The message's photo (its largest size), cleaned; None if it has none."""
    if not message.photo:
        return None
    largest = message.photo[-1]
    if largest.file_size is not None and largest.file_size > MAX_DOWNLOAD_BYTES:
        raise PhotoUnreadableError("too large")
    try:
        buffer = await bot.download(largest.file_id)
        assert buffer is not None
        return await clean_async(buffer.read())
    except (TimeoutError, TelegramAPIError, NotAPhotoError, aiohttp.ClientError) as exc:
        logger.warning("A photo could not be read: %s", type(exc).__name__)
        raise PhotoUnreadableError from exc


async def read_form_input(message: Message, bot: Bot, reporter_id: int) -> FormInput:
    """Everything the form can take from one message."""
    text, marked = marked_links(message)
    link, origin = forward_source(message, reporter_id) if message.forward_origin else (None, None)
    return FormInput(
        text=text,
        marked=marked,
        forwarded=message.forward_origin is not None,
        origin_link=link,
        origin=origin,
        photo=await download_photo(message, bot),
    )
