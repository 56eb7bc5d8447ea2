"""The library's screens: a list of topics and a topic's card. Both depend on the content and
the language only, so each is built once per language and shared (see keyboards.cache): the
Learn menu and the cards are what teenagers press most."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, Role
from bot.keyboards.cache import per_language
from bot.keyboards.callbacks import Screen
from bot.keyboards.learning import card_keyboard, topic_list_keyboard
from bot.services.content import Library

Screenful = tuple[str, InlineKeyboardMarkup]


@per_language
def topic_list_screen(
    library: Library, role: Role | None, language: Language, more: bool
) -> Screenful:
    """The reader's own topics, or (`more`) the topics written for others."""
    mine = library.topics_for(role)
    topics = [t for t in library.topics if t not in mine] if more else list(mine)
    lines = [_("Topics for other readers:") if more else _("Choose a topic:"), ""]
    lines += [
        f"{t.emoji} <b>{escape(t.title.get(language))}</b> — {escape(t.summary.get(language))}"
        for t in topics
    ]
    return "\n".join(lines), topic_list_keyboard(topics, language, more)


@per_language
def topic_card_screen(
    library: Library, topic_id: str, card: int, language: Language, features: Sequence[Screen]
) -> Screenful | None:
    """Card `card` of a topic; None if the content no longer has it (an old button)."""
    topic = library.topic(topic_id)
    if topic is None or not 0 <= card < len(topic.cards):
        return None
    header = f"{topic.emoji} <b>{escape(topic.title.get(language))}</b>"
    position = f"{card + 1}/{len(topic.cards)}"
    text = f"{header} · {position}\n\n{escape(topic.cards[card].text.get(language))}"
    if card + 1 == len(topic.cards) and not topic.private:
        text += "\n\n" + _("Was this useful?")
    return text, card_keyboard(topic, card, language, library, features)
