"""The Bot API methods: what each one does to the fake's state and what it answers.

Every handler takes a :class:`Call` (the decoded, spec-checked parameters) and returns the
``result`` of the answer, or raises :class:`~fake_telegram.errors.ApiError` with Telegram's
wording.  Methods modelled in depth are the ones a conversational bot uses; any other
method of the spec answers ``true`` or a minimal valid object of its return type, so the
bot's client can always parse the answer.

The handlers are grouped by theme (``sending``, ``editing``, ``account``) over a shared
``base``; :class:`Methods` puts them together behind one dispatch table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_telegram.methods.account import AccountMethods
from fake_telegram.methods.base import ActionSink, Call, Handler
from fake_telegram.methods.editing import EditingMethods
from fake_telegram.methods.sending import SendingMethods
from fake_telegram.spec import ApiSpec
from fake_telegram.state import Store
from fake_telegram.updates import UpdateQueue

__all__ = ["Call", "Methods"]


class Methods(SendingMethods, EditingMethods, AccountMethods):
    """All the handlers, found by method name (any case)."""

    def __init__(
        self,
        *,
        spec: ApiSpec,
        store: Store,
        updates: UpdateQueue,
        record_action: ActionSink,
        report_violation: Callable[[str], None],
    ) -> None:
        super().__init__(
            spec=spec,
            store=store,
            updates=updates,
            record_action=record_action,
            report_violation=report_violation,
        )
        self._handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "createforumtopic": self.create_forum_topic,
            "logout": self.true,
            "close": self.true,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "sendmediagroup": self.send_media_group,
            "sendpoll": self.send_poll,
            "stoppoll": self.stop_poll,
            "sendlocation": self.send_location,
            "sendchataction": self.send_chat_action,
            "copymessage": self.copy_message,
            "forwardmessage": self.forward_message,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "answercallbackquery": self.answer_callback_query,
            "getfile": self.get_file,
            "getchat": self.get_chat,
            "getchatmember": self.get_chat_member,
            "leavechat": self.leave_chat,
            "setchatmenubutton": self.set_chat_menu_button,
            "getchatmenubutton": self.get_chat_menu_button,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "setmydescription": self._bot_text_setter("description"),
            "getmydescription": self._bot_text_getter("description"),
            "setmyshortdescription": self._bot_text_setter("short_description"),
            "getmyshortdescription": self._bot_text_getter("short_description"),
            "setmyname": self._bot_text_setter("name"),
            "getmyname": self._bot_text_getter("name"),
        }

    async def dispatch(self, call: Call) -> Any:
        """Run the handler of ``call.method`` (the generic one if not modelled)."""
        handler = self._handlers.get(call.method.lower(), self.generic)
        return await handler(call)
