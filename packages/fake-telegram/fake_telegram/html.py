"""Telegram's HTML parse mode: HTML source -> plain text + message entities.

The parser follows TDLib's ``parse_html`` (the code behind the Bot API), including its
error messages, so a bot that forgets to escape user input gets the same
``Bad Request: can't parse entities: ...`` from the fake as from Telegram.  Supported:
``b strong i em u ins s strike del tg-spoiler span.tg-spoiler a code pre
pre>code.language-* blockquote blockquote[expandable] tg-emoji tg-time`` and the entities
``&lt; &gt; &amp; &quot;`` plus numeric ones.

One deliberate strictness beyond TDLib: an entity-shaped ``&name;`` that is not one of
those is rejected (TDLib would keep it literally), because it almost always means text
that was not escaped (``&nbsp;``, ``&copy;``).  A lone ``&`` is kept as Telegram keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fake_telegram.entities import Entity, FormattedText, entity_text, sort_entities, utf16_len

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "blockquote", "tg-emoji", "tg-time"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n"
_SPECIAL = re.compile(r"[<&]")
_ENTITY_SHAPE = re.compile(r"&(#[xX]?[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_USER_LINK = re.compile(r"tg://user\?id=(\d+)")


class EntityParseError(ValueError):
    """Malformed HTML; the message is TDLib's (prefix it with "can't parse entities: ")."""


@dataclass(slots=True)
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the output where the tag's content starts
    entity_count: int  # entities created before the tag opened (for <pre><code> merging)
    attributes: dict[str, str] = field(default_factory=dict)


def parse_html(source: str) -> FormattedText:
    """Convert Telegram-flavoured HTML to plain text and entities.

    Raises :class:`EntityParseError` for malformed input.  The text is not trimmed here
    (see :func:`fake_telegram.entities.trim`).
    """
    return _Parser(source).run()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 length of the output so far
        self.entities: list[Entity] = []
        self.stack: list[_OpenTag] = []

    # -- driver ------------------------------------------------------------------------

    def run(self) -> FormattedText:
        source = self.source
        while self.pos < len(source):
            match = _SPECIAL.search(source, self.pos)
            if match is None:
                self._emit(source[self.pos :])
                break
            self._emit(source[self.pos : match.start()])
            self.pos = match.start()
            if source[self.pos] == "&":
                self._emit(self._read_entity())
            elif source.startswith("/", self.pos + 1):
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        for entity in self.entities:
            entity.pop("_language", None)
        return FormattedText("".join(self.out), sort_entities(self.entities))

    def _emit(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.out_len += utf16_len(text)

    def _byte_offset(self, pos: int) -> int:
        # TDLib reports positions in bytes of the UTF-8 source.
        return len(self.source[:pos].encode("utf-8"))

    def _at_end(self) -> bool:
        return self.pos >= len(self.source)

    def _skip_spaces(self) -> None:
        while not self._at_end() and self.source[self.pos] in _SPACES:
            self.pos += 1

    # -- character entities --------------------------------------------------------------

    def _read_entity(self) -> str:
        """Decode the ``&...`` at ``pos``; a lone ``&`` stays literal."""
        source, start = self.source, self.pos
        match = _ENTITY_SHAPE.match(source, start)
        if match is None:
            # TDLib also accepts "&lt" without the semicolon.
            for name, char in _NAMED_ENTITIES.items():
                if source.startswith(name, start + 1):
                    self.pos = start + 1 + len(name)
                    return char
            self.pos = start + 1
            return "&"
        body = match.group(1)
        decoded: str | None = None
        if body.startswith("#"):
            digits = body[1:]
            try:
                code = int(digits[1:], 16) if digits[:1] in {"x", "X"} else int(digits)
            except ValueError:
                code = -1
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                decoded = chr(code)
        else:
            decoded = _NAMED_ENTITIES.get(body)
        if decoded is None:
            raise EntityParseError(
                f'Unsupported HTML entity "{match.group()}" at byte offset '
                f"{self._byte_offset(start)}"
            )
        self.pos = match.end()
        return decoded

    # -- tags --------------------------------------------------------------------------

    def _start_tag(self) -> None:
        source = self.source
        begin = self.pos
        begin_byte = self._byte_offset(begin)
        self.pos += 1
        name_start = self.pos
        while not self._at_end() and source[self.pos] not in _SPACES and source[self.pos] != ">":
            self.pos += 1
        if self._at_end():
            raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
        name = source[name_start : self.pos].lower()
        if name not in SUPPORTED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin_byte}')
        attributes = self._attributes(name, begin_byte)
        self.pos += 1  # the ">"
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin_byte}'
            )
        self.stack.append(_OpenTag(name, self.out_len, len(self.entities), attributes))

    def _attributes(self, tag: str, begin_byte: int) -> dict[str, str]:
        source = self.source
        attributes: dict[str, str] = {}
        while True:
            self._skip_spaces()
            if self._at_end():
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
            if source[self.pos] == ">":
                return attributes
            name_start = self.pos
            while not self._at_end() and source[self.pos] not in f"{_SPACES}=>":
                self.pos += 1
            name = source[name_start : self.pos].lower()
            if not name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin_byte}'
                )
            self._skip_spaces()
            if self._at_end() or source[self.pos] != "=":
                if tag == "blockquote" and name == "expandable":
                    attributes[name] = ""
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {begin_byte}'
                )
            self.pos += 1
            self._skip_spaces()
            if self._at_end():
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
            attributes[name] = self._attribute_value()
            if self._at_end():
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")

    def _attribute_value(self) -> str:
        source = self.source
        quote = source[self.pos]
        if quote not in "\"'":
            # An unquoted name token: letters, digits, periods and hyphens, case-insensitive.
            token = _NAME_TOKEN.match(source, self.pos)
            assert token is not None  # the pattern matches the empty string
            self.pos = token.end()
            if not self._at_end() and source[self.pos] not in f"{_SPACES}>":
                offset = self._byte_offset(token.start())
                raise EntityParseError(f"Unexpected end of name token at byte offset {offset}")
            return token.group().lower()
        self.pos += 1
        value: list[str] = []
        while not self._at_end() and source[self.pos] != quote:
            if source[self.pos] == "&":
                value.append(self._read_entity())
            else:
                value.append(source[self.pos])
                self.pos += 1
        if not self._at_end():
            self.pos += 1  # the closing quote
        return "".join(value)

    def _end_tag(self) -> None:
        source = self.source
        begin_byte = self._byte_offset(self.pos)
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin_byte}")
        self.pos += 2  # "</"
        name_start = self.pos
        while not self._at_end() and source[self.pos] not in _SPACES and source[self.pos] != ">":
            self.pos += 1
        name = source[name_start : self.pos].lower()
        self._skip_spaces()
        if self._at_end() or source[self.pos] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {begin_byte}")
        self.pos += 1
        open_tag = self.stack[-1]
        if name and name != open_tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin_byte}, expected "</{open_tag.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self._close(open_tag)

    def _close(self, tag: _OpenTag) -> None:
        length = self.out_len - tag.offset
        if length <= 0:
            return  # Telegram drops empty entities
        entity: Entity = {"type": "", "offset": tag.offset, "length": length}
        if tag.name == "a":
            self._link(entity, tag)
        elif tag.name == "blockquote":
            expandable = "expandable" in tag.attributes
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif tag.name == "tg-emoji":
            emoji_id = tag.attributes.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=emoji_id)
        elif tag.name == "tg-time":
            unix = tag.attributes.get("unix", "")
            if not unix.isdigit():
                raise EntityParseError("Invalid Unix time specified")
            entity.update(type="date_time", unix_time=int(unix))
            if "format" in tag.attributes:
                entity["date_time_format"] = tag.attributes["format"]
        elif tag.name == "pre":
            entity["type"] = "pre"
            self._merge_code_into_pre(entity, tag)
        else:
            entity["type"] = _SIMPLE_TAGS[tag.name]
            if tag.name == "code" and tag.attributes.get("class", "").startswith("language-"):
                # Only meaningful inside <pre>; removed again when merged or not.
                entity["_language"] = tag.attributes["class"].removeprefix("language-")
        if entity["type"]:
            self.entities.append(entity)

    def _link(self, entity: Entity, tag: _OpenTag) -> None:
        text = "".join(self.out)
        url = tag.attributes.get("href") or entity_text(text, entity)
        user = _USER_LINK.fullmatch(url)
        if user is not None:
            user_id = int(user.group(1))
            entity.update(
                type="text_mention", user={"id": user_id, "is_bot": False, "first_name": "User"}
            )
        elif url:
            entity.update(type="text_link", url=url)

    def _merge_code_into_pre(self, pre: Entity, tag: _OpenTag) -> None:
        """``<pre><code class="language-x">`` is one ``pre`` entity with a language."""
        inner = self.entities[tag.entity_count :]
        for entity in inner:
            if (
                entity["type"] == "code"
                and entity["offset"] == pre["offset"]
                and entity["length"] == pre["length"]
            ):
                self.entities.remove(entity)
                if "_language" in entity:
                    pre["language"] = entity["_language"]
                break
