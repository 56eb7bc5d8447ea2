"""Turns the abstract actions of `tests.fuzz.strategies` into concrete updates, fed to the
bot through the harness. Everything the updates refer to (files, messages, polls, callback
queries) exists in the fake Telegram when it should, and not when the action says it
shouldn't, so any error the bot gets back from the fake is its own doing."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Awaitable, Callable

from aiogram.types import ChatMemberAdministrator, ChatMemberRestricted
from fake_telegram.entities import detect_entities, utf16_len
from fake_telegram.objects import (
    member_json,
    new_callback_query_id,
    new_poll_id,
    now,
    tiny_jpeg,
)
from fake_telegram.state import CallbackQueryRecord, Chat
from fake_telegram.views import inline_rows
from pydantic import BaseModel

from tests.fuzz.harness import JSON, Actor, BotHarness
from tests.fuzz.strategies import (
    Action,
    AnswerPoll,
    ChannelPost,
    EditMessage,
    EntitySketch,
    Membership,
    OtherUpdate,
    Press,
    SendCommand,
    SendMedia,
    SendText,
    ServiceMessage,
    StatusCheck,
    Walk,
)

RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
GROUP_ANONYMOUS_BOT = {"id": 1_087_968_824, "is_bot": True, "first_name": "Group"}
OTHER_BOT = {"id": 5_555_555, "is_bot": True, "first_name": "Other", "username": "other_bot"}
# Messages Telegram never gives a caption.
CAPTIONLESS = frozenset(
    {"text", "sticker", "video_note", "contact", "location", "venue", "poll", "dice"}
)
_STICKER = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11"


class Player:
    """Plays actions on a harness."""

    def __init__(self, harness: BotHarness) -> None:
        self.h = harness
        self.focus = 0  # the actor most of a batch is about (see strategies.ACTORS)

    def _actor(self, actor: int) -> Actor:
        actors = self.h.actors
        return actors[actor] if actor < len(actors) else actors[self.focus % len(actors)]

    # -- where -------------------------------------------------------------------------

    def _chat(self, actor: int, place: int) -> Chat:
        h = self.h
        if place == 0:
            return h.chat_of(self._actor(actor).user.chat_id)
        return h.chat_of(h.groups[(place - 1) % len(h.groups)].chat_id)

    def _user(self, actor: int) -> JSON:
        return self._actor(actor).user.user

    async def _post(self, actor: int, chat: Chat, content: JSON) -> None:
        """A user's message. Telegram delivers none from a chat that blocked or removed the
        bot: one who blocked it unblocks it first (the app makes them press Restart), and
        someone adds it back to a group; the bot gets my_chat_member before the message."""
        if chat.blocked or not chat.bot_is_member:
            old = "kicked" if chat.type == "private" else "left"
            chat.blocked, chat.bot_is_member = False, True
            bot_user = self.h.fake.bot.user_json()
            await self.h.feed(
                "my_chat_member",
                {
                    "chat": chat.json(),
                    "from": self._user(actor),
                    "date": now(),
                    "old_chat_member": chat_member(old, bot_user),
                    "new_chat_member": chat_member("member", bot_user),
                },
            )
        await self.h.feed("message", self._message(actor, chat, content))

    def _message(self, actor: int, chat: Chat, content: JSON) -> JSON:
        data: JSON = {
            "message_id": chat.new_message_id(),
            "from": self._user(actor),
            "chat": chat.json(),
            "date": now(),
            **content,
        }
        source = content.get("text") or content.get("caption")
        self.h.fake.store.add_message(chat, data, from_bot=False, source=source)
        return copy.deepcopy(data)

    # -- play ----------------------------------------------------------------------------

    async def play(self, action: Action) -> None:
        match action:
            case Walk():
                await self._walk(action)
            case SendText():
                await self._send_text(action)
            case SendCommand():
                await self._send_command(action)
            case SendMedia():
                await self._send_media(action)
            case EditMessage():
                await self._edit_message(action)
            case Press():
                await self._press(action)
            case AnswerPoll():
                await self._answer_poll(action)
            case Membership():
                await self._membership(action)
            case ChannelPost():
                await self._channel_post(action)
            case ServiceMessage():
                await self._service_message(action)
            case OtherUpdate():
                await self._other_update(action)
            case StatusCheck():
                await self._status_check(action)

    async def _send_text(self, action: SendText) -> None:
        chat = self._chat(action.actor, action.place)
        content = self._text_content(action.text, action.entities)
        if action.reply is not None:
            older = chat.visible()
            if older:
                replied = copy.deepcopy(older[-1 - action.reply % len(older)].data)
                replied.pop("reply_to_message", None)
                content["reply_to_message"] = replied
        await self._post(action.actor, chat, content)

    async def _send_command(self, action: SendCommand) -> None:
        chat = self._chat(action.actor, action.place)
        text = f"/{action.command}{action.mention}"
        if action.args:
            text += " " + action.args
        content = self._text_content(text, ())
        await self._post(action.actor, chat, content)

    async def _send_media(self, action: SendMedia) -> None:
        chat = self._chat(action.actor, action.place)
        content = self._media(action.actor, chat, action.media)
        if action.caption is not None and not CAPTIONLESS & set(content):
            content["caption"] = action.caption[:1024]
        await self._post(action.actor, chat, content)

    async def _edit_message(self, action: EditMessage) -> None:
        chat = self._chat(action.actor, action.place)
        user = self._user(action.actor)
        own = [m for m in chat.visible() if not m.from_bot and m.data.get("from") == user]
        if own and "text" in own[-1 - action.pick % len(own)].data:
            data = copy.deepcopy(own[-1 - action.pick % len(own)].data)
        else:  # a message the bot never saw
            data = {
                "message_id": 10_000 + action.pick,
                "from": user,
                "chat": chat.json(),
                "date": now() - 3600,
            }
        data.pop("entities", None)
        data.update(self._text_content(action.text, ()))
        data["edit_date"] = now()
        await self.h.feed("edited_message", data)

    async def _press(self, action: Press) -> None:
        h = self.h
        chat = self._chat(action.actor, action.place)
        actor = self._actor(action.actor).user
        bot_messages = [m for m in chat.visible() if m.from_bot]
        with_buttons = [m for m in bot_messages if _callback_buttons(m.data)]
        data = action.data
        if action.target == "button":
            if not with_buttons:
                return
            # Mostly the newest messages, sometimes an old one (a stale button).
            index = action.pick % len(with_buttons) if action.pick % 4 == 0 else 0
            message = with_buttons[-1 - index]
            buttons = _callback_buttons(message.data)
            data = str(buttons[action.pick % len(buttons)]["callback_data"])
            target = copy.deepcopy(message.data)
        elif action.target in {"forged", "wellformed", "nodata"}:
            if not bot_messages:
                return
            target = copy.deepcopy(bot_messages[-1 - action.pick % len(bot_messages)].data)
        elif action.target == "inaccessible":
            # Telegram sends this for a message too old to show: only chat, id and date 0.
            target = {"chat": chat.json(), "message_id": 1 + action.pick, "date": 0}
        else:  # "missing": a message deleted since, with its last known content
            target = {
                "message_id": chat.next_message_id + 100 + action.pick,
                "from": h.fake.bot.user_json(),
                "chat": chat.json(),
                "date": now() - 60,
                "text": "gone",
            }
        if data is None and action.target != "nodata":
            return
        await h.feed("callback_query", h.callback(actor, target, data))

    async def _answer_poll(self, action: AnswerPoll) -> None:
        h = self.h
        polls = list(h.fake.store.polls.values())
        voter = self._user(action.actor)
        if action.known and polls:
            stored = polls[-1 - action.pick % len(polls)]
            poll_id = str(stored.poll["id"])
            if action.pick % 5:  # mostly the person the quiz was sent to; else someone else
                voter = h.fake.store.users.get(stored.chat_id, voter)
            count = len(stored.poll["options"])
            options = list(action.options)
            if len(options) == 1:  # a vote the app could really send
                options = [options[0] % count]
        else:
            poll_id, options = action.poll_id, list(action.options)
        answer: JSON = {
            "poll_id": poll_id,
            "user": voter,
            "option_ids": options,
            "option_persistent_ids": [str(i) for i in options],
        }
        await h.feed("poll_answer", answer)

    async def _membership(self, action: Membership) -> None:
        h = self.h
        chat = self._chat(action.actor, action.place)
        actor = self._actor(action.actor)
        status = action.status
        if chat.type == "private":
            status = "kicked" if status in {"kicked", "left", "restricted"} else "member"
            old = "member" if status == "kicked" else "kicked"
            chat.blocked = status == "kicked"
        else:
            old = "left" if status in {"member", "administrator"} else "member"
            chat.bot_is_member = status in {"member", "administrator", "restricted"}
        bot_user = h.fake.bot.user_json()
        payload = {
            "chat": chat.json(),
            "from": actor.user.user,
            "date": now(),
            "old_chat_member": chat_member(old, bot_user),
            "new_chat_member": chat_member(status, bot_user),
        }
        await h.feed("my_chat_member", payload)

    async def _channel_post(self, action: ChannelPost) -> None:
        h = self.h
        channel = h.channel
        assert channel is not None
        data: JSON = {
            "message_id": channel.new_message_id(),
            "sender_chat": channel.json(),
            "chat": channel.json(),
            "date": now(),
            "text": action.text or "-",
        }
        if action.edited:
            data["edit_date"] = now()
        await h.feed("edited_channel_post" if action.edited else "channel_post", data)

    async def _service_message(self, action: ServiceMessage) -> None:
        h = self.h
        chat = self._chat(action.actor, action.place)
        user = self._user(action.actor)
        bot_user = h.fake.bot.user_json()
        contents: dict[str, JSON] = {
            "new_chat_members": {"new_chat_members": [user]},
            "bot_added": {"new_chat_members": [bot_user]},
            "left_chat_member": {"left_chat_member": user},
            "new_chat_title": {"new_chat_title": "<b>new</b> & title"},
            "pinned_message": {"pinned_message": {"chat": chat.json(), "message_id": 1, "date": 0}},
            "migrate_to_chat_id": {"migrate_to_chat_id": -1_009_999_999_999},
            "group_chat_created": {"group_chat_created": True},
            "delete_chat_photo": {"delete_chat_photo": True},
            "forum_topic_created": {
                "forum_topic_created": {"name": "<i>topic</i>", "icon_color": 7322096}
            },
        }
        await self._post(action.actor, chat, contents[action.kind])

    async def _other_update(self, action: OtherUpdate) -> None:
        h = self.h
        user = self._user(action.actor)
        group = h.chat_of(h.groups[1].chat_id)
        private = self._chat(action.actor, 0)
        text = action.text[:256]
        payloads: dict[str, tuple[str, JSON]] = {
            "inline_query": (
                "inline_query",
                {"id": "1", "from": user, "query": text, "offset": ""},
            ),
            "chosen_inline_result": (
                "chosen_inline_result",
                {"result_id": "r1", "from": user, "query": text},
            ),
            "chat_join_request": (
                "chat_join_request",
                {"chat": group.json(), "from": user, "user_chat_id": user["id"], "date": now()},
            ),
            "message_reaction": (
                "message_reaction",
                {
                    "chat": private.json(),
                    "message_id": 1,
                    "user": user,
                    "date": now(),
                    "old_reaction": [],
                    "new_reaction": [{"type": "emoji", "emoji": "👍"}],
                },
            ),
            "message_reaction_count": (
                "message_reaction_count",
                {
                    "chat": group.json(),
                    "message_id": 1,
                    "date": now(),
                    "reactions": [{"type": {"type": "emoji", "emoji": "🔥"}, "total_count": 3}],
                },
            ),
            "chat_member": (
                "chat_member",
                {
                    "chat": group.json(),
                    "from": user,
                    "date": now(),
                    "old_chat_member": member_json("left", user),
                    "new_chat_member": member_json("member", user),
                },
            ),
            "poll": ("poll", self._poll(text or "?", quiz=False)),
            "callback_inline": (
                "callback_query",
                {
                    "id": self._query_id(user),
                    "from": user,
                    "inline_message_id": "AAAA",
                    "chat_instance": "1",
                    "data": "n1:menu",
                },
            ),
            "callback_game": (
                "callback_query",
                {
                    "id": self._query_id(user),
                    "from": user,
                    "chat_instance": "1",
                    "game_short_name": "x",
                },
            ),
            "edited_channel_post_photo": (
                "edited_channel_post",
                {
                    "message_id": 1,
                    "chat": h.channel.json() if h.channel else group.json(),
                    "date": now(),
                    "edit_date": now(),
                    "photo": h.fake.store.add_photo(tiny_jpeg(), 10, 10),
                    "caption": text,
                },
            ),
            "shipping_query": (
                "shipping_query",
                {
                    "id": "s1",
                    "from": user,
                    "invoice_payload": text,
                    "shipping_address": {
                        "country_code": "KZ",
                        "state": "",
                        "city": "Almaty",
                        "street_line1": text,
                        "street_line2": "",
                        "post_code": "050000",
                    },
                },
            ),
            "pre_checkout_query": (
                "pre_checkout_query",
                {
                    "id": "p1",
                    "from": user,
                    "currency": "KZT",
                    "total_amount": 100,
                    "invoice_payload": text,
                },
            ),
        }
        kind, payload = payloads[action.kind]
        await h.feed(kind, payload)

    async def _status_check(self, action: StatusCheck) -> None:
        h = self.h
        codes = sorted({c for a in h.fake.actions for c in RECEIPT.findall(a.text)})
        code = codes[action.pick % len(codes)] if codes else "AAAA-BBBB-CCCC-DDDD"
        variants = {
            "exact": code,
            "lower": code.lower(),
            "spaces": code.replace("-", " "),
            "no_dashes": code.replace("-", ""),
            "twice": f"{code} {code}",
            "prefix": f"<b>{code}</b>",
        }
        chat = self._chat(action.actor, 0)
        content = self._text_content(f"/status {variants[action.variant]}", ())
        await self._post(action.actor, chat, content)

    # -- walks through the bot's flows -------------------------------------------------------

    async def _walk(self, action: Walk) -> None:
        h = self.h
        picks = itertools.cycle(action.picks)
        texts = iter(action.texts)
        if action.flow in {"broadcast", "moderate"}:  # mostly staff: the owner or a moderator
            names = ("owner", "moderator", "owner", "volunteer", "teen")
            person = h.actor(names[action.picks[0] % len(names)])
        else:
            person = self._actor(action.actor)
        user = person.user
        private = h.chat_of(user.chat_id)
        chat = private
        if action.flow == "moderate" and action.picks[1] % 2:
            chat = h.chat_of(h.groups[0].chat_id)  # the moderators' chat

        async def say(text: str) -> None:
            content = self._text_content(text, ())
            newest = [m for m in chat.visible() if m.from_bot]
            if newest and next(picks) % 2:  # as a reply to the bot's newest message
                replied = copy.deepcopy(newest[-1].data)
                replied.pop("reply_to_message", None)
                content["reply_to_message"] = replied
            await self._post(self.h.actors.index(person), chat, content)

        async def photo() -> None:
            content = {"photo": h.fake.store.add_photo(tiny_jpeg(), 1280, 960)}
            await self._post(self.h.actors.index(person), chat, content)

        async def tap(*prefixes: str) -> None:
            """Press a button of the newest bot message that has one starting so."""
            pick = next(picks)
            for message in reversed(chat.visible()):
                found = [
                    str(b["callback_data"])
                    for b in _callback_buttons(message.data)
                    if str(b["callback_data"]).startswith(prefixes)
                ]
                if message.from_bot and found:
                    data = found[pick % len(found)]
                    query = h.callback(user, copy.deepcopy(message.data), data)
                    await h.feed("callback_query", query)
                    return

        async def vote() -> None:
            polls = [p for p in h.fake.store.polls.values() if p.chat_id == user.chat_id]
            if polls:
                poll = polls[-1].poll
                option = next(picks) % len(poll["options"])
                answer = {
                    "poll_id": poll["id"],
                    "user": user.user,
                    "option_ids": [option],
                    "option_persistent_ids": [str(option)],
                }
                await h.feed("poll_answer", answer)

        def text() -> str:
            return next(texts, "")

        async def place() -> None:
            choice = next(picks) % 6
            draft = await h.app.drafts.draft(user.chat_id)
            online = draft is not None and draft.category is not None and draft.category.is_online
            if choice == 0:
                await tap("ra1:skip", "ra1:region", "rg1:")
            elif choice == 1 and not online:
                await self._post(
                    self.h.actors.index(person),
                    chat,
                    {"location": {"latitude": 43.2975, "longitude": 68.2517}},
                )
            elif online and choice < 4:
                await say(f"@shop_{next(picks):04d}x")
            else:
                await say(text())

        flows: dict[str, list[Callable[[], Awaitable[None]]]] = {
            "report": [
                lambda: say("/report"),
                lambda: tap("rc1:"),
                place,
                lambda: say(text()),
                lambda: photo() if next(picks) % 3 == 0 else tap("ra1:skip"),
                lambda: tap("ra1:done", "ra1:skip"),
                lambda: tap("ra1:send", "ra1:send", "ra1:send", "ra1:edit", "ra1:cancel"),
                lambda: tap("re1:", "rc1:"),
                lambda: say(text()),
                lambda: tap("ra1:send", "ra1:skip"),
            ],
            "quiz": [
                lambda: say("/menu"),
                lambda: tap("n1:quiz"),
                lambda: tap("qs1:", "ql1:"),
                lambda: tap("qs1:"),
                *[vote] * 10,
            ],
            "broadcast": [
                lambda: say("/broadcast"),
                lambda: say(text()) if next(picks) % 3 else tap("cb1:skip"),
                lambda: say(text()),
                lambda: photo() if next(picks) % 3 == 0 else tap("cb1:skip"),
                lambda: tap("ck1:", "cb1:nobutton"),
                lambda: tap("ct1:", "cr1:", "cb1:urgent"),
                lambda: tap("cr1:", "cb1:regions", "cg1:", "cb1:urgent"),
                lambda: tap("cg1:", "cb1:audience"),
                lambda: tap("cb1:audience"),
                lambda: tap("cb1:start", "cb1:start", "cb1:cancel"),
                lambda: say("/broadcasts"),
                lambda: tap("bo1:", "bc1:"),
                lambda: tap("bc1:"),
            ],
            "moderate": [
                lambda: say("/tips"),
                lambda: tap("mo1:", "mf1:", "mq1:"),
                lambda: tap("mo1:", "ms1:", "mi1:"),
                lambda: tap("ms1:", "mi1:"),
                lambda: tap("mi1:"),
                lambda: say(text()),
                lambda: tap("mo1:"),
                lambda: say("/export" if next(picks) % 2 else "/export 2000-01-01 9999-12-31"),
                lambda: say("/stats"),
                lambda: say("/admin"),
                lambda: tap("ad1:"),
                lambda: tap("ir1:", "sr1:", "ad1:"),
            ],
            "settings": [
                lambda: say("/settings"),
                lambda: tap("e1:"),
                lambda: tap("l1:", "r1:", "g1:"),
                lambda: tap("b1:", "e1:"),
                lambda: say("/stop"),
                lambda: say("/language"),
                lambda: tap("l1:"),
            ],
            "forget": [
                lambda: say("/forget"),
                lambda: tap("fg1:"),
                lambda: say("/start"),
                lambda: tap("l1:"),
                lambda: tap("r1:"),
                lambda: tap("g1:"),
                lambda: tap("b1:"),
            ],
        }
        for step in flows[action.flow][: action.steps]:
            await step()

    def _query_id(self, user: JSON) -> str:
        """A callback query without a message (an inline message's or a game's button):
        Telegram would accept an answer to it."""
        query_id = new_callback_query_id()
        self.h.fake.store.callback_queries[query_id] = CallbackQueryRecord(
            query_id, int(user["id"]), 0, int(user["id"]), None
        )
        return query_id

    # -- contents ------------------------------------------------------------------------

    def _text_content(self, text: str, sketches: tuple[EntitySketch, ...]) -> JSON:
        content: JSON = {"text": text}
        entities = detect_entities(text)
        length = utf16_len(text)
        taken = [(e["offset"], e["offset"] + e["length"]) for e in entities]
        for sketch in sketches:
            if length == 0:
                break
            start = min(length - 1, int(sketch.start * length))
            stop = min(length, start + max(1, int(sketch.length * (length - start))))
            if _splits_surrogate(text, start) or _splits_surrogate(text, stop):
                continue
            if any(start < t_stop and t_start < stop for t_start, t_stop in taken):
                continue
            entity: JSON = {"type": sketch.type, "offset": start, "length": stop - start}
            if sketch.type == "text_link":
                entity["url"] = sketch.extra if "://" in sketch.extra else "https://example.com"
            elif sketch.type == "pre" and sketch.extra:
                entity["language"] = sketch.extra
            elif sketch.type == "custom_emoji":
                entity["custom_emoji_id"] = "5368324170671202286"
            elif sketch.type == "text_mention":
                entity["user"] = {"id": 1001, "is_bot": False, "first_name": "<b>A</b>&"}
            taken.append((start, stop))
            entities.append(entity)
        if entities:
            content["entities"] = sorted(entities, key=lambda e: (e["offset"], -e["length"]))
        return content

    def _poll(self, question: str, *, quiz: bool) -> JSON:
        spec = self.h.fake.spec
        options = [
            spec.synthesize("PollOption", {"persistent_id": str(i), "text": t, "voter_count": i})
            for i, t in enumerate(("a", "<b>b</b>"))
        ]
        poll: JSON = spec.synthesize(
            "Poll",
            {
                "id": new_poll_id(),
                "question": question,
                "options": options,
                "total_voter_count": 1,
                "is_anonymous": True,
                "type": "quiz" if quiz else "regular",
            },
        )
        return poll

    def _media(self, actor: int, chat: Chat, media: str) -> JSON:
        store = self.h.fake.store
        user = self._user(actor)

        def file(kind: str, data: bytes, mime: str, name: str | None = None) -> JSON:
            stored = store.add_file(kind, data, mime_type=mime, file_name=name)
            result: JSON = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(data),
                "mime_type": mime,
            }
            if name:
                result["file_name"] = name
            return result

        if media == "photo":
            return {"photo": store.add_photo(tiny_jpeg(), 1280, 960)}
        if media == "sticker":
            sticker = file("sticker", _STICKER, "image/webp")
            sticker.pop("mime_type")
            sticker.update(
                type="regular", width=512, height=512, is_animated=False, is_video=False, emoji="👍"
            )
            return {"sticker": sticker}
        if media == "document_pdf":
            return {
                "document": file(
                    "document", b"%PDF-1.4\n%%EOF\n", "application/pdf", "<b>report</b>&.pdf"
                )
            }
        if media == "document_jpeg":
            return {"document": file("document", tiny_jpeg(), "image/jpeg", "stash.jpg")}
        if media == "voice":
            return {
                "voice": {
                    **file("voice", b"OggS\x00\x02" + b"\x00" * 20, "audio/ogg"),
                    "duration": 3,
                }
            }
        if media == "video":
            return {
                "video": {
                    **file("video", b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
                    "width": 640,
                    "height": 360,
                    "duration": 5,
                }
            }
        if media == "video_note":
            note = file("video_note", b"\x00\x00\x00\x18ftypmp42", "video/mp4")
            note.pop("mime_type")
            return {"video_note": {**note, "length": 240, "duration": 2}}
        if media == "audio":
            return {"audio": {**file("audio", b"ID3", "audio/mpeg", "song.mp3"), "duration": 60}}
        if media == "animation":
            gif = file("animation", b"GIF89a", "image/gif", "a.gif")
            return {"animation": {**gif, "width": 10, "height": 10, "duration": 1}, "document": gif}
        if media == "contact":
            return {
                "contact": {
                    "phone_number": "+77011234567",
                    "first_name": user["first_name"],
                    "user_id": user["id"],
                }
            }
        if media == "contact_other":
            return {
                "contact": {
                    "phone_number": "<b>+7</b>",
                    "first_name": "<i>x</i>&",
                    "vcard": "BEGIN:VCARD\nEND:VCARD",
                }
            }
        if media == "location":
            return {"location": {"latitude": 43.238949, "longitude": 76.889709}}
        if media == "venue":
            return {
                "location": {"latitude": -90.0, "longitude": 180.0},
                "venue": {
                    "location": {"latitude": -90.0, "longitude": 180.0},
                    "title": "<b>Shop</b>",
                    "address": "Абая & 10",
                },
            }
        if media in {"poll", "quiz_poll"}:
            quiz = media == "quiz_poll"
            poll = self._poll("<b>?</b>", quiz=quiz)
            if quiz:
                poll["correct_option_id"] = 1
            return {"poll": poll}
        if media == "dice":
            return {"dice": {"emoji": "🎲", "value": 6}}
        if media == "forwarded":
            return {
                "text": "forwarded <b>",
                "forward_origin": {
                    "type": "hidden_user",
                    "sender_user_name": "<i>x</i>",
                    "date": now(),
                },
            }
        if media == "via_bot":
            return {"text": "@other_bot result", "via_bot": OTHER_BOT}
        if media == "sender_chat":
            return {
                "text": "/start",
                "sender_chat": chat.json(),
                "from": GROUP_ANONYMOUS_BOT,
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        if media == "from_a_bot":
            return {
                "text": "/report",
                "from": OTHER_BOT,
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
            }
        # "no_from": a message with no sender (Telegram sends these in channels only).
        return {
            "text": "/help",
            "from": None,
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        }


def _callback_buttons(message: JSON) -> list[JSON]:
    rows = inline_rows(message.get("reply_markup"))
    return [button for row in rows for button in row if "callback_data" in button]


def _splits_surrogate(text: str, utf16_offset: int) -> bool:
    """Whether a UTF-16 offset falls inside a character (an entity can't start there)."""
    count = 0
    for char in text:
        if count == utf16_offset:
            return False
        if count > utf16_offset:
            return True
        count += 2 if ord(char) > 0xFFFF else 1
    return count != utf16_offset and count < utf16_offset


def chat_member(status: str, user: JSON) -> JSON:
    """A ChatMember of any status, with every required field (rights all off but membership)."""
    models: dict[str, type[BaseModel]] = {
        "administrator": ChatMemberAdministrator,
        "restricted": ChatMemberRestricted,
    }
    model = models.get(status)
    member = member_json(status, user)
    if model is not None:
        for name, info in model.model_fields.items():
            if info.is_required() and name not in member:
                member[name] = 0 if name == "until_date" else name in {"is_member", "can_be_edited"}
    return member
