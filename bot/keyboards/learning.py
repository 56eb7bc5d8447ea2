"""Keyboards of the prevention library and the quizzes."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Language
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import (
    CardChoice,
    OpenScreen,
    QuizList,
    Screen,
    StartQuiz,
    TopicCard,
    TopicList,
    TopicVote,
)
from bot.keyboards.common import menu_button
from bot.services.content import Library
from bot.services.content.models import Quiz, Topic


def topic_list_keyboard(
    topics: Sequence[Topic], language: Language, more: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for topic in topics:
        builder.button(
            text=f"{topic.emoji} {topic.title.get(language)}",
            callback_data=TopicCard(topic=topic.id, card=0),
        )
    builder.adjust(1)
    other = _("⬅️ My topics") if more else _("➕ More topics")
    builder.row(InlineKeyboardButton(text=other, callback_data=TopicList(more=not more).pack()))
    builder.row(menu_button())
    return builder.as_markup()


def card_keyboard(
    topic: Topic,
    card_index: int,
    language: Language,
    library: Library,
    features: Sequence[Screen],
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    card = topic.cards[card_index]
    for number, choice in enumerate(card.choices):
        builder.row(
            InlineKeyboardButton(
                text=choice.label.get(language),
                callback_data=CardChoice(topic=topic.id, card=card_index, choice=number).pack(),
            )
        )
    navigation = []
    if card_index > 0:
        navigation.append(
            InlineKeyboardButton(
                text=_("⬅️ Back"),
                callback_data=TopicCard(topic=topic.id, card=card_index - 1).pack(),
            )
        )
    if card_index + 1 < len(topic.cards):
        navigation.append(
            InlineKeyboardButton(
                text=_("Next ➡️"),
                callback_data=TopicCard(topic=topic.id, card=card_index + 1).pack(),
            )
        )
    if navigation:
        builder.row(*navigation)
    if card_index + 1 == len(topic.cards):
        _add_topic_ending(builder, topic, language, library, features)
    builder.row(
        InlineKeyboardButton(text=_("📚 All topics"), callback_data=TopicList(more=False).pack())
    )
    return builder.as_markup()


def _add_topic_ending(
    builder: InlineKeyboard,
    topic: Topic,
    language: Language,
    library: Library,
    features: Sequence[Screen],
) -> None:
    """The end of a topic: was it useful (not asked of a private topic), and where next."""
    if not topic.private:
        builder.row(
            InlineKeyboardButton(
                text=_("👍 Useful"), callback_data=TopicVote(topic=topic.id, useful=True).pack()
            ),
            InlineKeyboardButton(
                text=_("👎 Not really"),
                callback_data=TopicVote(topic=topic.id, useful=False).pack(),
            ),
        )
    quiz = library.quiz(topic.quiz) if topic.quiz else None
    if quiz is not None and Screen.QUIZ in features:
        builder.row(
            InlineKeyboardButton(
                text=_("🧩 Quiz: {title}").format(title=quiz.title.get(language)),
                callback_data=StartQuiz(quiz=quiz.id).pack(),
            )
        )
    for related_id in topic.related:
        related = library.topic(related_id)
        if related is not None:
            builder.row(
                InlineKeyboardButton(
                    text=f"{related.emoji} {related.title.get(language)}",
                    callback_data=TopicCard(topic=related.id, card=0).pack(),
                )
            )
    if "help" in topic.actions and Screen.HELP in features:
        builder.row(
            InlineKeyboardButton(
                text=_("🆘 Get help now"), callback_data=OpenScreen(screen=Screen.HELP).pack()
            )
        )
    if "report" in topic.actions and Screen.REPORT in features:
        builder.row(
            InlineKeyboardButton(
                text=_("🕵️ Report anonymously"),
                callback_data=OpenScreen(screen=Screen.REPORT).pack(),
            )
        )


def quiz_list_keyboard(
    quizzes: Sequence[Quiz], language: Language, more: bool, has_more: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for quiz in quizzes:
        builder.button(
            text=f"{quiz.emoji} {quiz.title.get(language)}", callback_data=StartQuiz(quiz=quiz.id)
        )
    builder.adjust(1)
    if has_more:
        other = _("⬅️ My quizzes") if more else _("➕ More quizzes")
        builder.row(InlineKeyboardButton(text=other, callback_data=QuizList(more=not more).pack()))
    builder.row(menu_button())
    return builder.as_markup()


def quiz_result_keyboard(
    quiz: Quiz, wrong_topics: Sequence[Topic], language: Language
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for topic in wrong_topics:
        builder.row(
            InlineKeyboardButton(
                text=f"{topic.emoji} {topic.title.get(language)}",
                callback_data=TopicCard(topic=topic.id, card=0).pack(),
            )
        )
    builder.row(
        InlineKeyboardButton(text=_("🔁 Try again"), callback_data=StartQuiz(quiz=quiz.id).pack()),
        InlineKeyboardButton(text=_("🧩 Other quizzes"), callback_data=QuizList(more=False).pack()),
    )
    builder.row(menu_button())
    return builder.as_markup()
