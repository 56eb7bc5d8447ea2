"""Settings: defaults, parsing, and one readable line for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import Settings, SettingsError, load_settings

ENV_NAMES = (
    "BOT_TOKEN",
    "BOT_API_URL",
    "DATABASE_PATH",
    "DATABASE_URL",
    "REDIS_URL",
    "ADMIN_IDS",
    "MODERATOR_CHAT_ID",
    "TIMEZONE",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "WEBHOOK_PATH",
    "WEBHOOK_SECRET",
    "WEBHOOK_URL",
    "TIPS_PER_DAY",
    "FLOOD_LIMIT",
    "MODERATOR_LANGUAGE",
    "RETENTION_DAYS",
    "BROADCAST_RATE",
    "QUIET_HOURS",
    "CAMPAIGN_GRACE_HOURS",
    "TIP_CARD_DELAY_SECONDS",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_defaults() -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.bot_api_url == "https://api.telegram.org"
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.admin_ids == frozenset()
    assert settings.timezone == "Asia/Almaty"


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("ADMIN_IDS", "1, 2,3")
    monkeypatch.setenv("MODERATOR_CHAT_ID", "-100123")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.require_token().get_secret_value() == "123:abc"
    assert settings.bot_api_url == "http://127.0.0.1:8081"
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.moderator_chat_id == -100123
    assert settings.log_level == "DEBUG"


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=5:xyz\nTIMEZONE=Asia/Almaty\n")
    assert load_settings().require_token().get_secret_value() == "5:xyz"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "alice"),
        ("MODERATOR_CHAT_ID", "moderators"),
        ("TIMEZONE", "Mars/Olympus"),
        ("BOT_API_URL", "ftp://example"),
        ("LOG_LEVEL", "LOUD"),
        ("BOT_TOKEN", "not-a-token"),
        ("TIPS_PER_DAY", "0"),
        ("REDIS_URL", "localhost:6379"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^{name} is invalid: expected"):
        load_settings()


def test_command_line_gives_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "x")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ADMIN_IDS" in err and "Traceback" not in err


def test_missing_token_starts_the_demo_unless_run_is_asked_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    started: list[tuple[str, int, Path]] = []

    def fake_demo(args: argparse.Namespace, settings: Settings) -> int:
        started.append((args.host, args.port, args.database))
        return 0

    monkeypatch.setattr("bot.__main__._demo", fake_demo)
    # `python -m bot` without a token: the local demo, with its defaults.
    assert main([]) == 0
    assert started == [("127.0.0.1", 8080, Path("data/demo.sqlite3"))]
    assert "BOT_TOKEN" in capsys.readouterr().err
    # `python -m bot run` still needs the token: one line, exit 2.
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "BOT_TOKEN" in err
    assert len(started) == 1


def test_migrate_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "sub" / "bot.sqlite3"))
    assert main(["migrate"]) == 0
    assert "Applied 4 migration(s). (0001, 0002, 0003, 0004)" in capsys.readouterr().out
    assert (tmp_path / "sub" / "bot.sqlite3").exists()
    assert main(["migrate"]) == 0
    assert "Applied 0 migration(s)" in capsys.readouterr().out


def test_every_setting_is_documented() -> None:
    """.env.example and the README's table name every setting, and nothing else."""
    root = Path(__file__).resolve().parents[2]
    settings = {name.upper() for name in Settings.model_fields}
    assert settings == set(ENV_NAMES)
    example = (root / ".env.example").read_text(encoding="utf-8")
    documented = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert documented == settings
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in readme for name in settings)
