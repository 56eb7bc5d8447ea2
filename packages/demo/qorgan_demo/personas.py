"""Who the demo lets you be: four people with fixed Telegram ids (so the demo database
recognises them after a restart), and the moderators' group they report to."""

from __future__ import annotations

from dataclasses import dataclass

# Fixed ids: profiles in data/demo.sqlite3 stay attached to the same persona across runs.
MODERATORS_CHAT_ID = -1_001_900_000_001
MODERATORS_CHAT_TITLE = "Qorgan · модераторы"
DEMO_BOT_TOKEN = "7000000001:DEMO-local-only"  # noqa: S105 - only the local fake sees it
PRIVATE = "private"
GROUP = "group"


@dataclass(frozen=True, slots=True)
class Persona:
    """A demo user. ``label`` is a key of :mod:`qorgan_demo.texts`; ``owner`` puts the user in
    ADMIN_IDS and gives them the moderators' chat too."""

    key: str
    user_id: int
    first_name: str
    language_code: str
    label: str
    emoji: str
    owner: bool = False

    @property
    def chats(self) -> tuple[str, ...]:
        """The chats this persona sees: the private chat with the bot, and the group."""
        return (PRIVATE, GROUP) if self.owner else (PRIVATE,)


PERSONAS: tuple[Persona, ...] = (
    Persona("teen_kk", 710_000_001, "Айгерім", "kk", "persona_teen_kk", "🧒"),
    Persona("teen_ru", 710_000_002, "Артём", "ru", "persona_teen_ru", "🧑"),
    Persona("parent", 710_000_003, "Елена", "ru", "persona_parent", "👩"),
    Persona("moderator", 710_000_004, "Сауле", "ru", "persona_moderator", "🛡", owner=True),
)


def persona(key: str) -> Persona | None:
    """The persona called ``key``, if there is one."""
    return next((p for p in PERSONAS if p.key == key), None)


def owner_ids() -> frozenset[int]:
    """ADMIN_IDS of the demo."""
    return frozenset(p.user_id for p in PERSONAS if p.owner)
