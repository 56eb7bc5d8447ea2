"""Every setting of the bot in one validated place, read from the environment or `.env`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain import Language
from bot.services.pacing import QuietHours

TELEGRAM_API_URL = "https://api.telegram.org"

# What each setting expects, in the words shown to an operator when it is wrong.
EXPECTATIONS = {
    "BOT_TOKEN": "the token from @BotFather, like 123456789:AAH...",
    "BOT_API_URL": "the base URL of a Bot API server, like https://api.telegram.org",
    "DATABASE_PATH": "a file path for the SQLite database, like data/bot.sqlite3",
    "DATABASE_URL": "postgresql://USER:PASS@HOST:PORT/DB, or unset for SQLite at DATABASE_PATH",
    "ADMIN_IDS": "comma-separated numeric Telegram user ids, like 12345,67890",
    "MODERATOR_CHAT_ID": "the numeric id of the moderators' chat, like -1001234567890",
    "TIMEZONE": "an IANA time zone name, like Asia/Almaty",
    "REDIS_URL": "redis://HOST:PORT/N, or unset to keep conversations and limits in memory",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
    "LOG_FORMAT": "text, or json for log collectors",
    "WEBHOOK_PATH": "the path Telegram posts updates to, like /webhook",
    "WEBHOOK_SECRET": "1-256 characters A-Z, a-z, 0-9, _ and -, sent by Telegram in a header",
    "WEBHOOK_URL": "the public https URL Telegram posts updates to (the worker sets it)",
    "TIPS_PER_DAY": "a whole number from 1 to 100",
    "FLOOD_LIMIT": "a whole number of updates per second from 1 to 100",
    "MODERATOR_LANGUAGE": "kk or ru",
    "RETENTION_DAYS": "a whole number of days from 1 to 3650",
    "BROADCAST_RATE": "messages per second from 1 to 30 (Telegram's limit)",
    "QUIET_HOURS": "a window like 22:00-09:00, or empty to turn quiet hours off",
    "CAMPAIGN_GRACE_HOURS": "hours from 0 to 72",
    "TIP_CARD_DELAY_SECONDS": "seconds as MIN-MAX like 60-300, or 0 to post at once",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    bot_api_url: str = TELEGRAM_API_URL
    database_path: Path = Path("data/bot.sqlite3")
    # Set, PostgreSQL (a national service); unset, the embedded SQLite at database_path.
    database_url: str | None = None
    # Set, conversations, drafts, limits and seen updates are shared by the replicas of a
    # cluster; unset, they live in this process's memory.
    redis_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    moderator_chat_id: int | None = None
    timezone: str = "Asia/Almaty"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Cluster mode (`python -m bot webhook`): replicas behind a load balancer.
    webhook_path: str = "/webhook"
    webhook_secret: SecretStr | None = None
    webhook_url: str | None = None
    tips_per_day: int = Field(default=5, ge=1, le=100)
    flood_limit: int = Field(default=5, ge=1, le=100)
    # The moderators' chat always gets one language, so a tip never reveals its reporter's.
    moderator_language: Language = Language.RU
    retention_days: int = Field(default=90, ge=1, le=3650)
    broadcast_rate: float = Field(default=25, ge=1, le=30)
    quiet_hours: str = "22:00-09:00"
    campaign_grace_hours: float = Field(default=6, ge=0, le=72)
    # A new tip's card waits a random delay in this range, so its time says nothing about
    # when its reporter pressed Send.
    tip_card_delay_seconds: str = "60-300"

    @field_validator("tip_card_delay_seconds")
    @classmethod
    def _delay_range(cls, value: str) -> str:
        parse_delay_range(value)  # raises ValueError when malformed
        return value.strip()

    @property
    def tip_card_delay(self) -> tuple[float, float]:
        return parse_delay_range(self.tip_card_delay_seconds)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_window(cls, value: str) -> str:
        QuietHours.parse(value, ZoneInfo("UTC"))  # raises ValueError when malformed
        return value.strip()

    @property
    def quiet_window(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours, self.tz)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        bot_id, _, secret = value.get_secret_value().strip().partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("malformed token")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("redis_url")
    @classmethod
    def _redis_url_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("not a redis:// URL")
        return value.strip()

    @field_validator("bot_api_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgresql_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not value.strip().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("not a postgresql:// URL")
        return value.strip().replace("postgres://", "postgresql://", 1)

    @property
    def database(self) -> str | Path:
        """What `Database` opens: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url or self.database_path

    @field_validator("moderator_chat_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("unknown level")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("not 1-256 characters A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _path_shape(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("not a path starting with /")
        return value

    def require_webhook_secret(self) -> str:
        if self.webhook_secret is None:
            raise SettingsError(
                "WEBHOOK_SECRET is not set: expected " + EXPECTATIONS["WEBHOOK_SECRET"]
            )
        return self.webhook_secret.get_secret_value()

    def require_webhook_url(self) -> str:
        if not self.webhook_url:
            raise SettingsError("WEBHOOK_URL is not set: expected " + EXPECTATIONS["WEBHOOK_URL"])
        return self.webhook_url

    def require_token(self) -> SecretStr:
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN is not set: expected " + EXPECTATIONS["BOT_TOKEN"])
        return self.bot_token


def parse_delay_range(value: str) -> tuple[float, float]:
    """ "60-300" → (60, 300); "0" → (0, 0). At most a day."""
    low, _, high = value.strip().partition("-")
    bounds = (float(low), float(high or low))
    if not 0 <= bounds[0] <= bounds[1] <= 86_400:
        raise ValueError("not a range of seconds")
    return bounds


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning pydantic's report into one readable line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            expected = EXPECTATIONS.get(name, error["msg"])
            problems.append(f"{name} is invalid: expected {expected}")
        raise SettingsError("; ".join(problems)) from None
