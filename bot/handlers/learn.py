"""“Learn”: topic lists by audience, topic cards with choices, and 👍/👎 at the end."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.keyboards.callbacks import CardChoice, OpenScreen, Screen, TopicCard, TopicList, TopicVote
from bot.screens.common import show
from bot.screens.learning import topic_card_screen, topic_list_screen
from bot.services.content import Library
from bot.services.learning import LearningService


async def show_topic_list(
    target: Message | CallbackQuery, profile: Profile, library: Library, more: bool
) -> None:
    text, markup = topic_list_screen(library, profile.role, profile.language, more)
    await show(target, text, markup)


async def learn_command(message: Message, profile: Profile, library: Library) -> None:
    await show_topic_list(message, profile, library, more=False)


async def learn_button(callback: CallbackQuery, profile: Profile, library: Library) -> None:
    await show_topic_list(callback, profile, library, more=False)


async def topic_list(
    callback: CallbackQuery, callback_data: TopicList, profile: Profile, library: Library
) -> None:
    await show_topic_list(callback, profile, library, more=callback_data.more)


async def topic_card(
    callback: CallbackQuery,
    callback_data: TopicCard,
    profile: Profile,
    library: Library,
    learning: LearningService,
    features: Sequence[Screen],
) -> None:
    screen = topic_card_screen(
        library, callback_data.topic, callback_data.card, profile.language, features
    )
    if screen is None:
        await callback.answer(_("This topic is no longer available."), show_alert=True)
        return
    if callback_data.card == 0:
        await learning.open_topic(callback_data.topic, profile)
    await show(callback, *screen)


async def card_choice(
    callback: CallbackQuery, callback_data: CardChoice, profile: Profile, library: Library
) -> None:
    topic = library.topic(callback_data.topic)
    card = (
        topic.cards[callback_data.card] if topic and callback_data.card < len(topic.cards) else None
    )
    if card is None or not 0 <= callback_data.choice < len(card.choices):
        await callback.answer(_("This topic is no longer available."), show_alert=True)
        return
    await callback.answer(
        card.choices[callback_data.choice].feedback.get(profile.language), show_alert=True
    )


async def vote(
    callback: CallbackQuery, callback_data: TopicVote, profile: Profile, learning: LearningService
) -> None:
    await learning.vote(profile.chat_id, callback_data.topic, callback_data.useful)
    await callback.answer(_("Thank you! Your answer helps us make the topics better."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(learn_command, Command("learn"))
    router.callback_query.register(learn_button, OpenScreen.filter(F.screen == Screen.LEARN))
    router.callback_query.register(topic_list, TopicList.filter())
    router.callback_query.register(topic_card, TopicCard.filter())
    router.callback_query.register(card_choice, CardChoice.filter())
    router.callback_query.register(vote, TopicVote.filter())
    return router
