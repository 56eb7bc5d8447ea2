"""The bot's own account and everything else: identity, updates and webhooks, the chats
it is in, files, commands, descriptions, and the generic answer of unmodelled methods."""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

from fake_telegram.errors import bad_request, conflict
from fake_telegram.methods.base import Call, Handler, MethodBase
from fake_telegram.objects import JSON, member_json
from fake_telegram.spec import UploadedFile
from fake_telegram.state import GROUP_TYPES

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


class AccountMethods(MethodBase):
    """getMe, getUpdates, webhooks, getFile, getChat, getChatMember, leaveChat, menu
    buttons, commands, descriptions, names, and the generic handler."""

    # -- bot and updates ---------------------------------------------------------------

    async def true(self, call: Call) -> bool:
        """Methods with nothing to model."""
        return True

    async def get_me(self, call: Call) -> JSON:
        return call.bot.get_me_json()

    async def get_updates(self, call: Call) -> list[JSON]:
        if self.store.webhook_url:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        params = call.params
        allowed = params.get("allowed_updates")
        return await self.updates.get(
            offset=params.get("offset"),
            limit=int(params.get("limit") or 100),
            wait=float(params.get("timeout") or 0),
            allowed_updates=allowed if isinstance(allowed, list) else None,
        )

    async def set_webhook(self, call: Call) -> bool:
        """From now on updates are POSTed to `url` (fake_telegram.webhook)."""
        params = call.params
        self.store.webhook_url = str(params.get("url") or "")
        self.store.webhook_secret = str(params.get("secret_token") or "")
        self.store.webhook_max_connections = int(params.get("max_connections") or 40)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.updates.allowed_updates = list(allowed)
        if call.params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def delete_webhook(self, call: Call) -> bool:
        self.store.webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def get_webhook_info(self, call: Call) -> JSON:
        return {
            "url": self.store.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending),
        }

    # -- files and chats -------------------------------------------------------------------

    async def get_file(self, call: Call) -> JSON:
        stored = self.store.files.get(str(call.params["file_id"]))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.json()

    async def get_chat(self, call: Call) -> JSON:
        return self.chat(call.params["chat_id"]).full_info_json()

    async def create_forum_topic(self, call: Call) -> JSON:
        chat = self.chat(call.params["chat_id"])
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        thread_id = chat.new_message_id()  # a topic is the message that opened it
        chat.topics[thread_id] = str(call.params["name"])
        return {
            "message_thread_id": thread_id,
            "name": chat.topics[thread_id],
            "icon_color": 7322096,
        }

    async def get_chat_member(self, call: Call) -> JSON:
        self.chat(call.params["chat_id"])
        user_id = call.params.get("user_id")
        if user_id == call.bot.id:
            return member_json("member", call.bot.user_json())
        user = self.store.users.get(user_id) if isinstance(user_id, int) else None
        if user is None:
            raise bad_request("user not found")
        return member_json("member", user)

    async def leave_chat(self, call: Call) -> bool:
        chat = self.chat(call.params["chat_id"])
        if chat.type not in GROUP_TYPES and chat.type != "channel":
            raise bad_request("chat member status can't be changed in private chats")
        chat.bot_is_member = False
        return True

    async def set_chat_menu_button(self, call: Call) -> bool:
        chat_id = call.params.get("chat_id")
        if chat_id is not None:
            chat_id = self.chat(chat_id).id
        button = call.params.get("menu_button")
        self.store.menu_buttons[chat_id] = (
            button if isinstance(button, dict) else {"type": "default"}
        )
        return True

    async def get_chat_menu_button(self, call: Call) -> JSON:
        chat_id = call.params.get("chat_id")
        buttons = self.store.menu_buttons
        return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}

    # -- bot settings ------------------------------------------------------------------

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope")
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        commands = commands if isinstance(commands, list) else []
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if isinstance(command, dict) else ""
            if not _COMMAND_RE.fullmatch(name):
                self._report(f"{call.spec.name}: invalid command {name!r}")
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                self._report(f"{call.spec.name}: invalid description of command {name!r}")
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(call.params)
        if commands:
            self.store.commands[key] = copy.deepcopy(commands)
        else:
            self.store.commands.pop(key, None)
        return True

    async def get_my_commands(self, call: Call) -> list[JSON]:
        return copy.deepcopy(self.store.commands.get(self._commands_key(call.params), []))

    async def delete_my_commands(self, call: Call) -> bool:
        self.store.commands.pop(self._commands_key(call.params), None)
        return True

    def _bot_text_setter(self, setting: str) -> Handler:
        async def handler(call: Call) -> bool:
            texts = self.store.bot_texts.setdefault(setting, {})
            language = str(call.params.get("language_code") or "")
            value = call.params.get(setting)
            if value:
                texts[language] = str(value)
            else:
                texts.pop(language, None)
            return True

        return handler

    def _bot_text_getter(self, setting: str) -> Handler:
        async def handler(call: Call) -> JSON:
            texts = self.store.bot_texts.get(setting, {})
            language = str(call.params.get("language_code") or "")
            return {setting: texts.get(language, texts.get("", ""))}

        return handler

    # -- everything else -----------------------------------------------------------------

    async def generic(self, call: Call) -> Any:
        """A method the fake does not model: answer a valid value of its return type."""
        returns = call.spec.returns
        params = call.params
        if "chat_id" in params and not call.spec.name.startswith("send"):
            self.chat(params["chat_id"])
        if "Message" in returns:
            if params.get("inline_message_id"):
                return True
            if call.spec.name.startswith("send"):
                chat = self.writable_chat(params.get("chat_id"))
                self.rate_limit(chat)
                return self.send(call, chat, self._generic_content(call)).data
            return self.message_to_edit(call).data
        first = returns[0] if returns else "Boolean"
        if first in {"Boolean", "True"}:
            return True
        return self.spec.synthesize(first)

    def _generic_content(self, call: Call) -> JSON:
        """Content of a message sent by a send* method the fake does not model."""
        params = call.params
        key = _CAMEL_RE.sub("_", call.spec.name.removeprefix("send")).lower()
        message_type = self.spec.types["Message"].fields.get(key)
        content: JSON = {}
        if message_type is not None:
            value = self.spec.synthesize(message_type.types[0])
            if isinstance(value, dict):
                self._fill_generic(key, value, params)
            content[key] = value
        caption = self.caption(params)
        content.update(self.caption_content(call, caption))
        return content

    def _fill_generic(self, key: str, value: JSON, params: dict[str, Any]) -> None:
        if "file_id" in value:
            upload = params.get(key)
            data = upload.data if isinstance(upload, UploadedFile) else b""
            stored = self.store.add_file(key, data)
            value.update(
                file_id=stored.file_id,
                file_unique_id=stored.file_unique_id,
                file_size=len(data),
            )
        if "latitude" in params and "location" in value:
            value["location"] = {"latitude": params["latitude"], "longitude": params["longitude"]}
        for name in list(value):
            if name in params and not isinstance(params[name], UploadedFile):
                value[name] = params[name]
        if key == "dice":
            value["emoji"] = params.get("emoji") or "🎲"
            value["value"] = random.randint(1, 6)
        if key == "sticker":
            value.update(type="regular", width=512, height=512)
