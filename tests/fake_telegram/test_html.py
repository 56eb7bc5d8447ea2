"""HTML parse mode: text and entities like Telegram, UTF-16 offsets, malformed input."""

from __future__ import annotations

import pytest
from fake_telegram import EntityParseError, entity_text, parse_html, utf16_len
from fake_telegram.entities import FormattedText, detect_entities, trim


def test_plain_text_has_no_entities() -> None:
    assert parse_html("Сәлем, әлем!") == FormattedText("Сәлем, әлем!", [])


def test_basic_tags_become_entities() -> None:
    parsed = parse_html("<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>c</code>")
    assert parsed.text == "bold it u s c"
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == [
        ("bold", 0, 4),
        ("italic", 5, 2),
        ("underline", 8, 1),
        ("strikethrough", 10, 1),
        ("code", 12, 1),
    ]


def test_synonyms_and_spoilers() -> None:
    parsed = parse_html(
        "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><strike>e</strike>"
        '<tg-spoiler>f</tg-spoiler><span class="tg-spoiler">g</span>'
    )
    assert [e["type"] for e in parsed.entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "strikethrough",
        "spoiler",
        "spoiler",
    ]


def test_offsets_are_utf16_with_emoji_and_cyrillic() -> None:
    # "👋" is two UTF-16 code units, Cyrillic letters one each.
    parsed = parse_html("👋 Привет <b>мир</b> 🇰🇿 <i>ok</i>")
    assert parsed.text == "👋 Привет мир 🇰🇿 ok"
    bold, italic = parsed.entities
    assert (bold["offset"], bold["length"]) == (10, 3)
    assert entity_text(parsed.text, bold) == "мир"
    assert (italic["offset"], italic["length"]) == (19, 2)
    assert entity_text(parsed.text, italic) == "ok"
    assert utf16_len(parsed.text) == 21


def test_entity_covering_an_emoji() -> None:
    parsed = parse_html("<b>😀</b>")
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_html_entities_are_unescaped() -> None:
    parsed = parse_html("a &lt;b&gt; &amp; &quot;q&quot; &#1040; &#x1F600; AT&T &lt")
    assert parsed.text == 'a <b> & "q" \u0410 😀 AT&T <'  # U+0410: Cyrillic A


def test_links_and_mentions() -> None:
    parsed = parse_html(
        '<a href="https://example.org/?a=1&amp;b=2">site</a> <a href="tg://user?id=42">Ая</a>'
    )
    link, mention = parsed.entities
    assert link == {
        "type": "text_link",
        "offset": 0,
        "length": 4,
        "url": "https://example.org/?a=1&b=2",
    }
    assert mention["type"] == "text_mention"
    assert mention["user"]["id"] == 42


def test_pre_with_language_and_blockquotes() -> None:
    parsed = parse_html(
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote>q</blockquote><blockquote expandable>long</blockquote>"
    )
    assert parsed.entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "blockquote", "offset": 5, "length": 1},
        {"type": "expandable_blockquote", "offset": 6, "length": 4},
    ]


def test_custom_emoji_and_time() -> None:
    parsed = parse_html(
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        '<tg-time unix="1700000000" format="wDT">now</tg-time>'
    )
    assert parsed.entities[0] == {
        "type": "custom_emoji",
        "offset": 0,
        "length": 2,  # "👍" is a surrogate pair
        "custom_emoji_id": "5368324170671202286",
    }
    assert parsed.entities[1]["unix_time"] == 1_700_000_000


def test_nested_entities_outer_first() -> None:
    parsed = parse_html("<b>bold <i>both</i></b>")
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == [
        ("bold", 0, 9),
        ("italic", 5, 4),
    ]


def test_empty_tags_make_no_entity() -> None:
    assert parse_html("<b></b>x").entities == []


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        (
            "<b>x</i>",
            'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
        ),
        ("Tom &nbsp; Jerry", 'Unsupported HTML entity "&nbsp;" at byte offset 4'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Привет <br>", 'Unsupported start tag "br" at byte offset 13'),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
    ],
)
def test_malformed_html_is_rejected(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as raised:
        parse_html(source)
    assert str(raised.value) == error


def test_trim_moves_entities() -> None:
    trimmed = trim(parse_html("\n  <b>hi</b> there \n"))
    assert trimmed.text == "hi there"
    assert trimmed.entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_detected_entities_of_user_text() -> None:
    text = "/start@qorgan_test_bot see https://example.org #tag @someone"
    kinds = [(e["type"], entity_text(text, e)) for e in detect_entities(text)]
    assert kinds == [
        ("bot_command", "/start@qorgan_test_bot"),
        ("url", "https://example.org"),
        ("hashtag", "#tag"),
        ("mention", "@someone"),
    ]
