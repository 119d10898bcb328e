"""Derive the compact Bot API spec that the emulator validates requests against.

The source is the machine-readable Bot API description shared next to the repository
(``../shared/telegram-bot-api/api.json``, scraped from core.telegram.org). The output,
``bot/emulator/api_spec.json``, is committed so that tests run without ``../shared``.

Regenerate after the shared description changes::

    python scripts/derive_api_spec.py            # default paths
    python scripts/derive_api_spec.py SRC DEST   # explicit paths

What is kept:

* every method: its parameters with their types and required flags, and its return types;
* every object type reachable from a method parameter (InlineKeyboardMarkup, BotCommand,
  BotCommandScope, ...): its fields with types and required flags; abstract types list their
  concrete subtypes and, when the subtypes are told apart by a ``type``-like field whose
  description says "must be X", the value that selects each one;
* the limits Telegram states only in prose ("1-4096 characters after entities parsing",
  "1-64 bytes", "1-100 identifiers", "At most 100 commands"), as
  ``{"min", "max", "unit": "chars" | "bytes" | "items"}``, plus ``"parse_mode"``: the sibling
  parameter holding the parse mode when the length counts after entity parsing.

Descriptions (prose) are dropped. Output is deterministic: sorted keys, compact separators.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "telegram-bot-api" / "api.json"
DEFAULT_DEST = ROOT / "bot" / "emulator" / "api_spec.json"

PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
ARRAY_PREFIX = "Array of "

_STRING_RANGE = re.compile(r"(\d+)-(\d+)\s+(characters|bytes)\b", re.IGNORECASE)
_STRING_UP_TO = re.compile(r"up to (\d+) characters", re.IGNORECASE)
_ARRAY_RANGE = re.compile(r"\b(\d+)-(\d+)\s+[a-z]+", re.IGNORECASE)
_ARRAY_AT_MOST = re.compile(r"(?:at most|up to) (\d+)\b", re.IGNORECASE)
_MUST_BE = re.compile(r"must be ([a-z_]+)\s*$")
# Text fields whose own parse-mode parameter is the generic ``parse_mode``.
_PLAIN_PARSE_MODE_FIELDS = frozenset({"text", "caption", "message_text"})


def _element_type(type_name: str) -> str:
    while type_name.startswith(ARRAY_PREFIX):
        type_name = type_name[len(ARRAY_PREFIX) :]
    return type_name


def _limit(field: dict[str, Any], sibling_names: set[str]) -> dict[str, Any] | None:
    """The length limit a field's prose states, if any."""
    description: str = field["description"]
    types: list[str] = field["types"]
    if types == ["String"]:
        found = _STRING_RANGE.search(description)
        if found:
            unit = "bytes" if found.group(3).lower() == "bytes" else "chars"
            limit: dict[str, Any] = {
                "min": int(found.group(1)),
                "max": int(found.group(2)),
                "unit": unit,
            }
        else:
            up_to = _STRING_UP_TO.search(description)
            if not up_to:
                return None
            limit = {"min": 0, "max": int(up_to.group(1)), "unit": "chars"}
        name = field["name"]
        own = f"{name}_parse_mode"
        if own in sibling_names:
            limit["parse_mode"] = own
        elif name in _PLAIN_PARSE_MODE_FIELDS and "parse_mode" in sibling_names:
            limit["parse_mode"] = "parse_mode"
        return limit
    if all(t.startswith(ARRAY_PREFIX) for t in types):
        found = _ARRAY_RANGE.search(description)
        if found and "alpha" not in description[found.end() : found.end() + 8]:
            return {"min": int(found.group(1)), "max": int(found.group(2)), "unit": "items"}
        at_most = _ARRAY_AT_MOST.search(description)
        if at_most:
            return {"min": 0, "max": int(at_most.group(1)), "unit": "items"}
    return None


def _fields(raw_fields: list[dict[str, Any]]) -> dict[str, Any]:
    names = {f["name"] for f in raw_fields}
    out: dict[str, Any] = {}
    for field in raw_fields:
        entry: dict[str, Any] = {"types": field["types"], "required": bool(field["required"])}
        limit = _limit(field, names)
        if limit:
            entry["limit"] = limit
        out[field["name"]] = entry
    return out


def _discriminator(source_types: dict[str, Any], subtypes: list[str]) -> dict[str, Any] | None:
    """The field and values that pick a concrete subtype ("type": "default" -> ...Default)."""
    candidates: dict[str, dict[str, str]] = {}
    for subtype in subtypes:
        for field in source_types[subtype].get("fields", []):
            if field["types"] != ["String"] or not field["required"]:
                continue
            found = _MUST_BE.search(field["description"])
            if found:
                candidates.setdefault(field["name"], {})[found.group(1)] = subtype
    for name, values in sorted(candidates.items()):
        if len(values) == len(subtypes):
            return {"field": name, "values": values}
    return None


def derive(source: dict[str, Any]) -> dict[str, Any]:
    source_types: dict[str, Any] = source["types"]
    methods: dict[str, Any] = {}
    pending: list[str] = []
    for name, method in source["methods"].items():
        raw_fields = method.get("fields", [])
        methods[name] = {"fields": _fields(raw_fields), "returns": method.get("returns", [])}
        pending.extend(_element_type(t) for f in raw_fields for t in f["types"])

    types: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in PRIMITIVES or name in types or name not in source_types:
            continue
        raw = source_types[name]
        entry: dict[str, Any] = {}
        if raw.get("subtypes"):
            entry["one_of"] = list(raw["subtypes"])
            chooser = _discriminator(source_types, raw["subtypes"])
            if chooser:
                entry["discriminator"] = chooser
            pending.extend(raw["subtypes"])
        raw_fields = raw.get("fields", [])
        entry["fields"] = _fields(raw_fields)
        pending.extend(_element_type(t) for f in raw_fields for t in f["types"])
        types[name] = entry

    return {
        "source": {
            "version": source.get("version", ""),
            "release_date": source.get("release_date", ""),
        },
        "methods": methods,
        "types": types,
    }


def main(argv: list[str]) -> int:
    source_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    dest_path = Path(argv[2]) if len(argv) > 2 else DEFAULT_DEST
    source = json.loads(source_path.read_text(encoding="utf-8"))
    derived = derive(source)
    text = json.dumps(derived, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    dest_path.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
