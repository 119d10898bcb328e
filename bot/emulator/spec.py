"""Request validation against the derived Bot API spec (``api_spec.json``).

Every method's parameters are compiled once, at start-up, into small checker functions so a
request costs a dictionary walk, not a spec lookup. Checkers coerce what arrives in a form or
multipart body (everything a string, objects as JSON text) and in a JSON body (native types)
to the same native values, and refuse what Telegram refuses, with Telegram's wording where it
is known ("message text is empty", "BUTTON_DATA_INVALID", "can't parse entities: ...").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.emulator.formatting import EntityParseError, FormattedText, parse_html

DEFAULT_SPEC_PATH = Path(__file__).with_name("api_spec.json")
_ARRAY = "Array of "
_INTEGER = re.compile(r"-?\d+")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
PARSE_MODES = frozenset({"HTML", "MARKDOWN", "MARKDOWNV2"})


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status plus Telegram's description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


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


class _Mismatch(Exception):
    """The value's shape does not fit this type; a union may try its next alternative."""


Checker = Callable[[Any, Mapping[str, UploadedFile]], Any]


@dataclass(slots=True, frozen=True)
class _Rule:
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
_MISSING_WORDING = {"chat_id": "chat_id is empty", "text": "message text is empty"}


# --- primitive checkers -------------------------------------------------------------------


def _integer(value: Any, _files: Mapping[str, UploadedFile]) -> int:
    if isinstance(value, bool):
        raise _Mismatch
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Mismatch


def _float(value: Any, _files: Mapping[str, UploadedFile]) -> float:
    if isinstance(value, bool):
        raise _Mismatch
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _Mismatch from None
    raise _Mismatch


def _string(value: Any, _files: Mapping[str, UploadedFile]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # Telegram reads JSON numbers given for strings as their text
    raise _Mismatch


def _boolean(value: Any, _files: Mapping[str, UploadedFile]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _Mismatch


def _input_file(value: Any, files: Mapping[str, UploadedFile]) -> UploadedFile:
    if isinstance(value, UploadedFile):
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        name = value[len("attach://") :]
        if name not in files:
            raise bad_request(f'file "{name}" must be attached as a multipart part')
        return files[name]
    raise _Mismatch


_PRIMITIVES: dict[str, Checker] = {
    "Integer": _integer,
    "Float": _float,
    "String": _string,
    "Boolean": _boolean,
    "True": _boolean,
    "InputFile": _input_file,
}


def _json_value(value: Any, kind: type) -> Any:
    """Objects and arrays arrive as JSON text in form bodies and natively in JSON bodies."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _Mismatch from None
    if not isinstance(value, kind):
        raise _Mismatch
    return value


def _length(value: Any, unit: str) -> int:
    if unit == "bytes":
        return len(value.encode("utf-8"))
    return len(value)


class ApiSpec:
    """The Bot API methods and input types, compiled for fast validation."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("source", {}).get("version", "")
        self._types: dict[str, Any] = raw["types"]
        self._returns: dict[str, list[str]] = {
            name: method.get("returns", []) for name, method in raw["methods"].items()
        }
        # Concrete subtype -> (discriminator field, required value), e.g. "type" == "photo".
        self._tags: dict[str, tuple[str, str]] = {}
        for entry in self._types.values():
            chooser = entry.get("discriminator")
            if chooser:
                for value, subtype in chooser["values"].items():
                    self._tags[subtype] = (chooser["field"], value)
        self._checkers: dict[str, Checker] = {}
        self._object_rules: dict[str, dict[str, _Rule]] = {}
        self._methods: dict[str, dict[str, _Rule]] = {
            name: self._rules(method["fields"]) for name, method in raw["methods"].items()
        }
        self._required: dict[str, tuple[str, ...]] = {
            name: tuple(rule.name for rule in rules.values() if rule.required)
            for name, rules in self._methods.items()
        }

    @classmethod
    def load(cls, path: str | Path | None = None) -> ApiSpec:
        source = Path(path) if path is not None else DEFAULT_SPEC_PATH
        return cls(json.loads(source.read_text(encoding="utf-8")))

    # --- lookup ---------------------------------------------------------------------------

    def method_names(self) -> list[str]:
        return list(self._methods)

    def has_method(self, name: str) -> bool:
        return name in self._methods

    def returns(self, name: str) -> list[str]:
        return self._returns.get(name, [])

    def method_fields(self, name: str) -> frozenset[str]:
        return frozenset(self._methods.get(name, {}))

    # --- compilation ----------------------------------------------------------------------

    def _rules(self, fields: dict[str, Any]) -> dict[str, _Rule]:
        return {
            name: _Rule(
                name=name,
                required=bool(entry["required"]),
                types=" or ".join(entry["types"]),
                check=self._union(entry["types"]),
                limit=entry.get("limit"),
            )
            for name, entry in fields.items()
        }

    def _union(self, type_names: list[str]) -> Checker:
        checkers = [self._checker(name) for name in type_names]
        if len(checkers) == 1:
            return checkers[0]

        def check(value: Any, files: Mapping[str, UploadedFile]) -> Any:
            for checker in checkers:
                try:
                    return checker(value, files)
                except _Mismatch:
                    continue
            raise _Mismatch

        return check

    def _checker(self, type_name: str) -> Checker:
        if type_name.startswith(_ARRAY):
            element = self._checker(type_name[len(_ARRAY) :])

            def check_array(value: Any, files: Mapping[str, UploadedFile]) -> list[Any]:
                return [element(item, files) for item in _json_value(value, list)]

            return check_array
        if type_name in _PRIMITIVES:
            return _PRIMITIVES[type_name]
        if type_name not in self._types:
            return lambda value, _files: value  # output-only type; nothing to check

        # Object types may be recursive, so resolve through the cache at call time.
        def check_object(value: Any, files: Mapping[str, UploadedFile]) -> Any:
            return self._object_checker(type_name)(value, files)

        return check_object

    def _object_checker(self, type_name: str) -> Checker:
        cached = self._checkers.get(type_name)
        if cached is not None:
            return cached
        entry = self._types[type_name]
        checker = (
            self._abstract(type_name, entry)
            if entry.get("one_of")
            else self._concrete(type_name, entry)
        )
        self._checkers[type_name] = checker
        return checker

    def _matches(self, type_name: str, value: dict[str, Any]) -> bool:
        """Whether a JSON object plausibly is a ``type_name`` (tag value and required keys)."""
        entry = self._types.get(type_name, {})
        chooser = entry.get("discriminator")
        if chooser:
            return value.get(chooser["field"]) in chooser["values"]
        if entry.get("one_of"):
            return any(self._matches(sub, value) for sub in entry["one_of"])
        tag = self._tags.get(type_name)
        if tag and value.get(tag[0]) != tag[1]:
            return False
        return all(name in value for name, f in entry.get("fields", {}).items() if f["required"])

    def _abstract(self, type_name: str, entry: dict[str, Any]) -> Checker:
        chooser = entry.get("discriminator")
        subtypes: list[str] = entry["one_of"]

        def check(value: Any, files: Mapping[str, UploadedFile]) -> Any:
            obj = _json_value(value, dict)
            if chooser:
                subtype = chooser["values"].get(obj.get(chooser["field"]))
                if subtype is None:
                    raise bad_request(
                        f"can't parse {type_name}: unsupported {chooser['field']} "
                        f'"{obj.get(chooser["field"])}"'
                    )
                return self._object_checker(subtype)(obj, files)
            for subtype in subtypes:
                if self._matches(subtype, obj):
                    return self._object_checker(subtype)(obj, files)
            raise _Mismatch

        return check

    def _concrete(self, type_name: str, entry: dict[str, Any]) -> Checker:
        rules = self._rules(entry.get("fields", {}))
        self._object_rules[type_name] = rules
        tag = self._tags.get(type_name)

        def check(value: Any, files: Mapping[str, UploadedFile]) -> Any:
            obj = _json_value(value, dict)
            if tag and obj.get(tag[0]) != tag[1]:
                raise _Mismatch
            out = dict(obj)
            for rule in rules.values():
                item = obj.get(rule.name)
                if item is None:
                    if rule.required:
                        raise bad_request(
                            f'can\'t parse {type_name}: field "{rule.name}" is required'
                        )
                    continue
                try:
                    out[rule.name] = rule.check(item, files)
                except _Mismatch:
                    raise bad_request(
                        f'can\'t parse {type_name}: field "{rule.name}" must be of type '
                        f"{rule.types}"
                    ) from None
                if rule.limit:
                    _check_limit(rule, out[rule.name], out, None)
            if type_name == "BotCommand" and not _BOT_COMMAND_NAME.fullmatch(out["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            return out

        return check

    # --- validation -----------------------------------------------------------------------

    def validate(
        self,
        method: str,
        params: dict[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> Validated:
        """Coerce and check a request's parameters; raise ApiError like Telegram would."""
        rules = self._methods.get(method)
        if rules is None:
            raise ApiError(404, "Not Found")
        attached: Mapping[str, UploadedFile] = files or {}
        values = {name: value for name, value in params.items() if value is not None}
        for name, upload in attached.items():
            if name in rules and name not in values:
                values[name] = upload  # a file part sent under the parameter's own name
        for name in self._required[method]:
            if name not in values:
                raise bad_request(_MISSING_WORDING.get(name, f'parameter "{name}" is required'))
        result = Validated(values)
        for name, value in values.items():
            rule = rules.get(name)
            if rule is None:
                continue  # Telegram ignores unknown parameters
            try:
                values[name] = rule.check(value, attached)
            except _Mismatch:
                raise bad_request(f'parameter "{name}" must be of type {rule.types}') from None
            if rule.limit:
                _check_limit(rule, values[name], values, result)
        return result


def _check_limit(
    rule: _Rule, value: Any, siblings: dict[str, Any], result: Validated | None
) -> None:
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
