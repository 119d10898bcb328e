"""The Bot API methods that put a message into a chat: send, copy, forward (a mixin of
BotMethods)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.formatting import FormattedText
from bot.emulator.models import Chat, Json, Message, StoredFile, simplify_keyboard
from bot.emulator.params import UploadedFile, Validated
from bot.emulator.state import EmulatorState

# sendX method -> (message kind, parameter carrying the file, default MIME type)
MEDIA_METHODS: dict[str, tuple[str, str, str | None]] = {
    "sendPhoto": ("photo", "photo", None),
    "sendVoice": ("voice", "voice", "audio/ogg"),
    "sendAudio": ("audio", "audio", "audio/mpeg"),
    "sendDocument": ("document", "document", "application/octet-stream"),
    "sendVideo": ("video", "video", "video/mp4"),
    "sendAnimation": ("animation", "animation", "video/mp4"),
    "sendVideoNote": ("video_note", "video_note", "video/mp4"),
    "sendSticker": ("sticker", "sticker", None),
}

Handler = Callable[[Validated], Any]


class Sending:
    """Handlers that post a message from the bot."""

    state: EmulatorState
    accept_unknown_file_ids: bool

    def _target(self, chat_id: object) -> Chat:
        """The chat the bot may post into, or the error Telegram gives."""
        chat = self.state.find_chat(chat_id)
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not chat.bot_is_member:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _reply_to(self, chat: Chat, p: Json) -> int | None:
        reply = p.get("reply_parameters")
        if not reply:
            return None
        target = chat.messages.get(reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return int(reply["message_id"])

    def _post(self, chat: Chat, kind: str, p: Json, **fields: Any) -> Message:
        """Store a message from the bot with the options every send method shares."""
        markup = p.get("reply_markup")
        message = self.state.add_message(
            chat,
            from_bot=True,
            sender_id=self.state.bot_id,
            kind=kind,
            reply_markup=simplify_keyboard(markup),
            raw_reply_markup=markup,
            protect_content=bool(p.get("protect_content", False)),
            disable_notification=bool(p.get("disable_notification", False)),
            reply_to_message_id=self._reply_to(chat, p),
            **fields,
        )
        return message

    def send_message(self, v: Validated) -> Json:
        chat = self._target(v.params["chat_id"])
        message = self._post(chat, "text", v.params, **formatted_fields(v, "text", "entities"))
        return self.state.message_json(message)

    def send_location(self, v: Validated) -> Json:
        chat = self._target(v.params["chat_id"])
        location = {"latitude": v.params["latitude"], "longitude": v.params["longitude"]}
        message = self._post(chat, "location", v.params, extra={"location": location})
        return self.state.message_json(message)

    def send_chat_action(self, v: Validated) -> bool:
        self._target(v.params["chat_id"])
        return True

    def _media_sender(self, method: str) -> Handler:
        kind, parameter, default_mime = MEDIA_METHODS[method]

        def send(v: Validated) -> Json:
            chat = self._target(v.params["chat_id"])
            stored = self._file_for(kind, v.params[parameter], v.params, default_mime)
            fields: dict[str, Any] = {"file": stored}
            if "caption" in v.params:
                fields.update(formatted_fields(v, "caption", "caption_entities"))
            message = self._post(chat, kind, v.params, **fields)
            return self.state.message_json(message)

        return send

    def _file_for(self, kind: str, value: object, p: Json, default_mime: str | None) -> StoredFile:
        """A stored file for an upload, a known file_id or an HTTP URL."""
        details: dict[str, Any] = {
            "duration": p.get("duration"),
            "width": p.get("width"),
            "height": p.get("height"),
        }
        if isinstance(value, UploadedFile):
            mime = value.content_type
            if mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename)[0] or default_mime or mime
            return self.state.add_file(
                kind, data=value.data, file_name=value.filename, mime_type=mime, **details
            )
        assert isinstance(value, str)
        known = self.state.files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")) or self.accept_unknown_file_ids:
            name = urlparse(value).path.rsplit("/", 1)[-1] or None
            return self.state.add_file(
                kind, file_name=name, mime_type=default_mime, file_size=0, **details
            )
        raise bad_request("wrong file identifier/HTTP URL specified")

    def copy_message(self, v: Validated) -> Json:
        source = self._source(v)
        chat = self._target(v.params["chat_id"])
        fields = _copied_fields(source)
        if "caption" in v.params and source.kind != "text":
            fields.update(formatted_fields(v, "caption", "caption_entities"))
        message = self._post(chat, source.kind, v.params, **fields)
        return {"message_id": message.message_id}

    def forward_message(self, v: Validated) -> Json:
        source = self._source(v)
        chat = self._target(v.params["chat_id"])
        fields = _copied_fields(source)
        sender = (
            self.state.bot_json()
            if source.from_bot
            else self.state.users[source.sender_id].to_json()
        )
        fields["extra"] = {
            **fields["extra"],
            "forward_origin": {
                "type": "user",
                "date": int(source.date.timestamp()),
                "sender_user": sender,
            },
        }
        message = self._post(chat, source.kind, {**v.params, "reply_markup": None}, **fields)
        return self.state.message_json(message)

    def _source(self, v: Validated) -> Message:
        from_chat = self.state.find_chat(v.params["from_chat_id"])
        source = from_chat.messages.get(v.params["message_id"])
        if source is None or source.deleted:
            raise bad_request("message to copy not found")
        return source


def formatted(v: Validated, name: str, entities_name: str) -> FormattedText:
    """A text field as the user sees it: parsed by parse_mode or with explicit entities."""
    parsed = v.formatted.get(name)
    raw = v.params.get(name)
    if parsed is None:
        parsed = FormattedText(raw if isinstance(raw, str) else "")
    if not parsed.entities and v.params.get(entities_name):
        return FormattedText(parsed.text, list(v.params[entities_name]))
    return parsed


def formatted_fields(v: Validated, name: str, entities_name: str) -> dict[str, Any]:
    """A message's text (or caption) fields from a request's text parameter."""
    text = formatted(v, name, entities_name)
    return {
        name: text.text,
        "entities": text.entities,
        "source": v.params.get(name),
        "parse_mode": v.params.get("parse_mode"),
    }


def _copied_fields(source: Message) -> dict[str, Any]:
    return {
        "text": source.text,
        "caption": source.caption,
        "entities": list(source.entities),
        "source": source.source,
        "parse_mode": source.parse_mode,
        "file": source.file,
        "extra": dict(source.extra),
    }
