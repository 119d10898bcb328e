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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.params import (
    PRIMITIVES,
    Checker,
    Mismatch,
    Rule,
    UploadedFile,
    Validated,
    check_limit,
    json_value,
)

DEFAULT_SPEC_PATH = Path(__file__).with_name("api_spec.json")
_ARRAY = "Array of "
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_MISSING_WORDING = {"chat_id": "chat_id is empty", "text": "message text is empty"}


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
        self._object_rules: dict[str, dict[str, Rule]] = {}
        self._methods: dict[str, dict[str, Rule]] = {
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

    def _rules(self, fields: dict[str, Any]) -> dict[str, Rule]:
        return {
            name: Rule(
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
                except Mismatch:
                    continue
            raise Mismatch

        return check

    def _checker(self, type_name: str) -> Checker:
        if type_name.startswith(_ARRAY):
            element = self._checker(type_name[len(_ARRAY) :])

            def check_array(value: Any, files: Mapping[str, UploadedFile]) -> list[Any]:
                return [element(item, files) for item in json_value(value, list)]

            return check_array
        if type_name in PRIMITIVES:
            return PRIMITIVES[type_name]
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
            obj = json_value(value, dict)
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
            raise Mismatch

        return check

    def _concrete(self, type_name: str, entry: dict[str, Any]) -> Checker:
        rules = self._rules(entry.get("fields", {}))
        self._object_rules[type_name] = rules
        tag = self._tags.get(type_name)

        def check(value: Any, files: Mapping[str, UploadedFile]) -> Any:
            obj = json_value(value, dict)
            if tag and obj.get(tag[0]) != tag[1]:
                raise Mismatch
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
                except Mismatch:
                    raise bad_request(
                        f'can\'t parse {type_name}: field "{rule.name}" must be of type '
                        f"{rule.types}"
                    ) from None
                if rule.limit:
                    check_limit(rule, out[rule.name], out, None)
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
            except Mismatch:
                raise bad_request(f'parameter "{name}" must be of type {rule.types}') from None
            if rule.limit:
                check_limit(rule, values[name], values, result)
        return result
