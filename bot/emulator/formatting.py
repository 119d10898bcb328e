"""Telegram's HTML parse mode and the entities Telegram adds to incoming text.

The HTML parser follows the documented rules (core.telegram.org/bots/api#html-style) and the
error wording of Telegram's own parser, so a bot that passes here passes there. It is a little
stricter than Telegram on one point: a bare ``&`` that starts no entity is refused, as the
documentation demands, where Telegram silently keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

# Tag name -> entity type; span, a, pre, code, blockquote, tg-emoji need their attributes.
_SIMPLE_TAGS: dict[str, str] = {
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
    "code": "code",
    "pre": "pre",
}
SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "span", "a", "blockquote", "tg-emoji", "tg-time"})

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_SPECIAL = re.compile(r"[<&]")
_ATTRIBUTE = re.compile(
    r"""\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)
_BOT_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


class EntityParseError(ValueError):
    """Raised with the wording Telegram uses after "Bad Request: can't parse entities: "."""


@dataclass(slots=True)
class FormattedText:
    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity_at(source: str, index: int) -> tuple[str, int]:
    """Decode the character entity at ``source[index] == "&"``; return it and the end index."""
    found = _ENTITY.match(source, index)
    if not found:
        raise EntityParseError(
            f'Character "&" must be escaped as "&amp;" at byte offset {_byte_offset(source, index)}'
        )
    named, decimal, hexadecimal = found.groups()
    if named:
        return _NAMED_ENTITIES[named], found.end()
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(
            f"Invalid character entity at byte offset {_byte_offset(source, index)}"
        )
    return chr(code), found.end()


def _decode_span(source: str, start: int, end: int) -> str:
    """Decode the entities in ``source[start:end]`` (an attribute value)."""
    out: list[str] = []
    position = start
    while True:
        amp = source.find("&", position, end)
        if amp < 0:
            out.append(source[position:end])
            return "".join(out)
        out.append(source[position:amp])
        char, position = _decode_entity_at(source, amp)
        out.append(char)


def _entity_for(tag: str, attributes: dict[str, str]) -> Entity | None:
    """The entity a start tag opens, or None when the tag carries no formatting."""
    if tag in _SIMPLE_TAGS:
        entity: Entity = {"type": _SIMPLE_TAGS[tag]}
        language = attributes.get("class", "")
        if tag == "code" and language.startswith("language-"):
            entity["language"] = language[len("language-") :]
        return entity
    if tag == "span":
        if attributes.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        return {"type": "spoiler"}
    if tag == "a":
        url = attributes.get("href", "")
        if not url:
            return None
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            return {
                "type": "text_mention",
                "user": {"id": int(user.group(1)), "is_bot": False, "first_name": ""},
            }
        return {"type": "text_link", "url": url}
    if tag == "blockquote":
        expandable = "expandable" in attributes
        return {"type": "expandable_blockquote" if expandable else "blockquote"}
    if tag == "tg-emoji":
        emoji_id = attributes.get("emoji-id", "")
        if not emoji_id:
            raise EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
        return {"type": "custom_emoji", "custom_emoji_id": emoji_id}
    if tag == "tg-time":
        unix = attributes.get("unix", "")
        if not unix.isdigit():
            raise EntityParseError('Tag "tg-time" must have a numeric attribute "unix"')
        entity = {"type": "date_time", "unix_time": int(unix)}
        if "format" in attributes:
            entity["date_time_format"] = attributes["format"]
        return entity
    return None


@dataclass(slots=True)
class _Open:
    tag: str
    offset: int
    entity: Entity | None


def parse_html(source: str) -> FormattedText:
    """Parse Telegram-flavoured HTML into plain text and entities, or raise EntityParseError."""
    if "<" not in source and "&" not in source:
        return FormattedText(source)
    pieces: list[str] = []
    entities: list[Entity] = []
    stack: list[_Open] = []
    offset = 0  # UTF-16 offset in the produced text
    position = 0
    length = len(source)
    while position < length:
        special = _SPECIAL.search(source, position)
        end = special.start() if special else length
        if end > position:
            run = source[position:end]
            pieces.append(run)
            offset += utf16_len(run)
        if special is None:
            break
        if source[end] == "&":
            char, position = _decode_entity_at(source, end)
            pieces.append(char)
            offset += utf16_len(char)
            continue
        position = _parse_tag(source, end, stack, entities, offset)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # only meaningful inside <pre>
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return FormattedText("".join(pieces), entities)


def _parse_tag(
    source: str, begin: int, stack: list[_Open], entities: list[Entity], offset: int
) -> int:
    """Handle the tag starting at ``begin`` (a ``<``); return the position after it."""
    close = source.find(">", begin)
    if source.startswith("</", begin):
        if close < 0:
            raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
        name = source[begin + 2 : close].strip().lower()
        if not stack:
            raise EntityParseError(
                f"Unexpected end tag at byte offset {_byte_offset(source, begin)}"
            )
        if name and name != stack[-1].tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                f'expected "</{stack[-1].tag}>", found "</{name}>"'
            )
        opened = stack.pop()
        if opened.tag == "pre" and opened.entity is not None and entities:
            # <pre><code class="language-x"> is one pre entity with a language.
            inner = entities[-1]
            if inner["type"] == "code" and inner["offset"] == opened.offset and "language" in inner:
                opened.entity["language"] = entities.pop()["language"]
        if opened.entity is not None and offset > opened.offset:
            opened.entity["offset"] = opened.offset
            opened.entity["length"] = offset - opened.offset
            entities.append(opened.entity)
        return close + 1
    name_end = begin + 1
    while name_end < len(source) and not source[name_end].isspace() and source[name_end] != ">":
        name_end += 1
    name = source[begin + 1 : name_end].lower()
    if name not in SUPPORTED_TAGS:
        raise EntityParseError(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
        )
    if close < 0:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    attributes: dict[str, str] = {}
    for found in _ATTRIBUTE.finditer(source, name_end, close):
        group = next((g for g in (2, 3, 4) if found.group(g) is not None), 0)
        value = _decode_span(source, found.start(group), found.end(group)) if group else ""
        attributes[found.group(1).lower()] = value
    stack.append(_Open(name, offset, _entity_for(name, attributes)))
    return close + 1


def bot_command_entities(text: str) -> list[Entity]:
    """The ``bot_command`` entities Telegram attaches to "/start PAYLOAD" and the like."""
    entities: list[Entity] = []
    for found in _BOT_COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: found.start()]),
                "length": utf16_len(found.group(0)),
            }
        )
    return entities
