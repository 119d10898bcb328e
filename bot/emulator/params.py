"""Request parameters: what they are checked into (UploadedFile, Validated) and the checkers of
one value, which coerce what arrives in a form or multipart body (everything a string, objects
as JSON text) and in a JSON body (native types) to the same native values."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import bad_request
from bot.emulator.formatting import EntityParseError, FormattedText, parse_html

_INTEGER = re.compile(r"-?\d+")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
PARSE_MODES = frozenset({"HTML", "MARKDOWN", "MARKDOWNV2"})


@dataclass(slots=True)
class UploadedFile:
    """One file part of a multipart request."""

    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class Validated:
    """Coerced parameters plus the text fields parsed by their parse mode."""

    params: dict[str, Any]
    formatted: dict[str, FormattedText] = field(default_factory=dict)


class Mismatch(Exception):
    """The value's shape does not fit this type; a union may try its next alternative."""


Checker = Callable[[Any, Mapping[str, UploadedFile]], Any]


@dataclass(slots=True, frozen=True)
class Rule:
    name: str
    required: bool
    types: str  # human-readable, for error messages
    check: Checker
    limit: dict[str, Any] | None


# Telegram's own words for limits on well-known fields: (field, "empty" | "long") -> detail.
_LIMIT_WORDING = {
    ("text", "empty"): "message text is empty",
    ("text", "long"): "message is too long",
    ("caption", "long"): "message caption is too long",
    ("callback_data", "empty"): "BUTTON_DATA_INVALID",
    ("callback_data", "long"): "BUTTON_DATA_INVALID",
    ("command", "empty"): "BOT_COMMAND_INVALID",
    ("command", "long"): "BOT_COMMAND_INVALID",
}


# --- primitive checkers -------------------------------------------------------------------


def _integer(value: Any, _files: Mapping[str, UploadedFile]) -> int:
    if isinstance(value, bool):
        raise Mismatch
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise Mismatch


def _float(value: Any, _files: Mapping[str, UploadedFile]) -> float:
    if isinstance(value, bool):
        raise Mismatch
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise Mismatch from None
    raise Mismatch


def _string(value: Any, _files: Mapping[str, UploadedFile]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # Telegram reads JSON numbers given for strings as their text
    raise Mismatch


def _boolean(value: Any, _files: Mapping[str, UploadedFile]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise Mismatch


def _input_file(value: Any, files: Mapping[str, UploadedFile]) -> UploadedFile:
    if isinstance(value, UploadedFile):
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        name = value[len("attach://") :]
        if name not in files:
            raise bad_request(f'file "{name}" must be attached as a multipart part')
        return files[name]
    raise Mismatch


PRIMITIVES: dict[str, Checker] = {
    "Integer": _integer,
    "Float": _float,
    "String": _string,
    "Boolean": _boolean,
    "True": _boolean,
    "InputFile": _input_file,
}


def json_value(value: Any, kind: type) -> Any:
    """Objects and arrays arrive as JSON text in form bodies and natively in JSON bodies."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise Mismatch from None
    if not isinstance(value, kind):
        raise Mismatch
    return value


def _length(value: Any, unit: str) -> int:
    if unit == "bytes":
        return len(value.encode("utf-8"))
    return len(value)


def check_limit(rule: Rule, value: Any, siblings: dict[str, Any], result: Validated | None) -> None:
    limit = rule.limit
    assert limit is not None
    unit: str = limit["unit"]
    if unit == "items":
        size = len(value)
        if size < limit["min"] or size > limit["max"]:
            raise bad_request(
                f'parameter "{rule.name}" must hold {limit["min"]}-{limit["max"]} items'
            )
        return
    if not isinstance(value, str):
        return
    text = value
    mode_field = limit.get("parse_mode")
    if mode_field:
        formatted = _format(value, siblings.get(mode_field))
        if result is not None:
            result.formatted[rule.name] = formatted
        text = formatted.text
    if limit["min"] > 0 and not text.strip():
        raise bad_request(_LIMIT_WORDING.get((rule.name, "empty"), f"{rule.name} is empty"))
    size = _length(text, unit)
    if size < limit["min"] or size > limit["max"]:
        unit_word = "bytes" if unit == "bytes" else "characters"
        raise bad_request(
            _LIMIT_WORDING.get(
                (rule.name, "long"),
                f'parameter "{rule.name}" must be {limit["min"]}-{limit["max"]} {unit_word} long',
            )
        )


def _format(text: str, parse_mode: Any) -> FormattedText:
    if not parse_mode:
        return FormattedText(text)
    mode = str(parse_mode).upper()
    if mode not in PARSE_MODES:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if mode != "HTML":
        return FormattedText(text)  # Markdown modes are passed through unparsed
    try:
        return parse_html(text)
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None
