"""Rules of the Bot API that the spec's type system does not express, checked on every
request: parse modes, and the limits of inline and reply keyboards.

Each broken rule is both a spec violation (recorded for ``fake.violations``) and the error
Telegram would answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_telegram.errors import ApiError, bad_request
from fake_telegram.spec import ApiSpec

PARSE_MODES = frozenset({"HTML", "MarkdownV2", "Markdown"})
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
URL_SCHEMES = ("http://", "https://", "tg://")
# Fields of InlineKeyboardButton that are decoration, not the button's action.
_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """A broken rule: the violation message and Telegram's answer to it."""

    message: str
    error: ApiError


def check_rules(spec: ApiSpec, method: str, params: dict[str, Any]) -> list[RuleViolation]:
    """Every rule ``params`` of ``method`` break (empty when the request is fine)."""
    found: list[RuleViolation] = []
    for key, value in params.items():
        if (key == "parse_mode" or key.endswith("_parse_mode")) and value not in PARSE_MODES:
            found.append(
                RuleViolation(
                    f"{method}.{key}: unsupported parse mode {value!r}",
                    bad_request("unsupported parse_mode"),
                )
            )
    markup = params.get("reply_markup")
    if isinstance(markup, dict):
        found.extend(_inline_keyboard(spec, f"{method}.reply_markup", markup))
        found.extend(_reply_keyboard(f"{method}.reply_markup", markup))
    return found


def _inline_keyboard(spec: ApiSpec, path: str, markup: dict[str, Any]) -> list[RuleViolation]:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        return []
    button_type = spec.types.get("InlineKeyboardButton")
    actions = set(button_type.fields) - _DECORATION if button_type else {"callback_data", "url"}
    found: list[RuleViolation] = []
    count = 0
    for r, row in enumerate(rows):
        for c, button in enumerate(row if isinstance(row, list) else []):
            if not isinstance(button, dict):
                continue
            count += 1
            where = f"{path}.inline_keyboard[{r}][{c}]"
            found.extend(_inline_button(where, button, actions))
    if count > MAX_INLINE_BUTTONS:
        found.append(
            RuleViolation(
                f"{path}: {count} inline buttons, more than {MAX_INLINE_BUTTONS}",
                bad_request("reply markup is too long"),
            )
        )
    return found


def _inline_button(where: str, button: dict[str, Any], actions: set[str]) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        found.append(
            RuleViolation(f"{where}.text: button text is empty", bad_request("BUTTON_TEXT_INVALID"))
        )
    used = sorted(actions & button.keys())
    if not used:
        found.append(
            RuleViolation(
                f"{where}: button {text!r} has no action (callback_data, url, ...)",
                bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                ),
            )
        )
    elif len(used) > 1:
        found.append(
            RuleViolation(
                f"{where}: button {text!r} has several actions {used}",
                bad_request("can't parse inline keyboard button: too many button types"),
            )
        )
    data = button.get("callback_data")
    if isinstance(data, str):
        size = len(data.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            found.append(
                RuleViolation(
                    f"{where}.callback_data: {size} bytes, must be 1-{MAX_CALLBACK_DATA_BYTES}"
                    f" ({data!r})",
                    bad_request("BUTTON_DATA_INVALID"),
                )
            )
    url = button.get("url")
    if isinstance(url, str) and not url.startswith(URL_SCHEMES):
        found.append(
            RuleViolation(
                f"{where}.url: {url!r} is not an http(s) or tg URL",
                bad_request("BUTTON_URL_INVALID"),
            )
        )
    return found


def _reply_keyboard(path: str, markup: dict[str, Any]) -> list[RuleViolation]:
    rows = markup.get("keyboard")
    if not isinstance(rows, list):
        return []
    found: list[RuleViolation] = []
    for r, row in enumerate(rows):
        for c, button in enumerate(row if isinstance(row, list) else []):
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text.strip():
                found.append(
                    RuleViolation(
                        f"{path}.keyboard[{r}][{c}].text: button text is empty",
                        bad_request("can't parse keyboard button: Text must be non-empty"),
                    )
                )
    return found
