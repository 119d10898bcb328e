"""How the sandbox shows the conversation: a mark per person, numbered buttons, plain ANSI.

Colours only on a terminal that has them and when NO_COLOR is not set; plain text otherwise
(scripts, pipes, CI logs).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from bot.emulator.models import Message
from bot.i18n import _, ngettext, use_language
from bot.sandbox.personas import Persona

_RESET, _BOLD, _ITALIC = "\x1b[0m", "\x1b[1m", "\x1b[3m"
_ROLE_COLOURS = {
    "facilitator": "35",
    "partner": "33",
    "admin": "31",
    "focal": "95",
    "recorder": "93",
}
_MEMBER_COLOURS = ("36", "32", "34", "96", "92", "94")
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def _media_name(kind: str) -> str | None:
    names = {
        "photo": _("photo"),
        "voice": _("voice note"),
        "audio": _("audio"),
        "video": _("video"),
        "video_note": _("video message"),
        "document": _("document"),
        "animation": _("animation"),
        "sticker": _("sticker"),
    }
    return names.get(kind)


def wants_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM", "") != "dumb"


class Terminal:
    def __init__(self, out: TextIO | None = None, colour: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.colour = wants_colour(self.out) if colour is None else colour
        self._narrating = False  # consecutive narration lines form one paragraph
        # Wrap at word boundaries on a terminal; scripts and pipes keep whole lines.
        self.width = shutil.get_terminal_size().columns if self.out.isatty() else None
        self.lang = "en"  # the sandbox's own words: --lang (the people's is their own)

    def speaking(self) -> contextlib.AbstractContextManager[None]:
        """The sandbox's language for its own words, around the calls that say them."""
        return use_language(self.lang)

    # --- low level -----------------------------------------------------------------------

    def _style(self, text: str, *codes: str) -> str:
        if not self.colour or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}{_RESET}"

    def line(self, text: str = "") -> None:
        self._narrating = False
        print(text, file=self.out, flush=True)

    def mark(self, persona: Persona) -> str:
        if persona.role == "member":
            colour = _MEMBER_COLOURS[(persona.number - 1) % len(_MEMBER_COLOURS)]
        else:
            colour = _ROLE_COLOURS[persona.role]
        return self._style(f"[{persona.label}]", "1", colour)

    # --- what the sandbox says ------------------------------------------------------------

    def _wrap(self, text: str, indent: str = "") -> list[str]:
        if not self.width or not text:
            return [indent + text]
        return textwrap.wrap(
            text,
            width=max(self.width - 1, 40),
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [indent]

    def info(self, text: str) -> None:
        for part in self._wrap(text):
            self.line(self._style(part, "2"))

    def problem(self, text: str) -> None:
        self.line(self._style(f"! {text}", "31"))

    def heading(self, text: str) -> None:
        self.line(self._style(f"── {text} ──", "1"))

    def narrate(self, text: str) -> None:
        if not self._narrating:
            self.line()
        self.line(self._style(f"## {text}", "1"))
        self._narrating = True

    def sent(self, persona: Persona, what: str) -> None:
        self.line(f"{self.mark(persona)} -> {what}")

    def notice(self, persona: Persona, count: int) -> None:
        with self.speaking():
            text = ngettext(
                "({who} has {n} new message: :as {who} to read)",
                "({who} has {n} new messages: :as {who} to read)",
                count,
            ).format(who=persona.label, n=count)
        self.info(text)

    def callback_answer(self, text: str, alert: bool) -> None:
        with self.speaking():
            if alert:
                shown = _("(Foyer shows an alert: {text})").format(text=text)
            else:
                shown = _("(Foyer shows a note: {text})").format(text=text)
        self.line(f"    {self._style(shown, '2')}")

    # --- bot messages --------------------------------------------------------------------

    def bot_message(
        self,
        persona: Persona,
        message: Message,
        *,
        edited: bool,
        saved: Path | None = None,
        voice: str | None = None,  # a voice message's line: "voice bm 0:42 · week 1 prompt"
    ) -> None:
        with self.speaking():
            state = " " + _("(edited)") if edited else ""
            media = _media_name(message.kind)
            details = voice or media or ""
            if voice is None and media is not None and message.file and message.file.duration:
                details += ", " + _("{n} s").format(n=message.file.duration)
            if media is not None and saved is not None:
                details += ", " + _("saved as {path}").format(path=saved)
        self.line(f"{self.mark(persona)} <- Foyer{state}:")
        if media is not None:
            self.line(f"    [{details}]")
        body = self.render_html(message.source or message.content)
        for text_line in body.splitlines() or ([""] if media is None else []):
            for part in self._wrap(text_line, "    ") if text_line else [""]:
                self.line(part)
        for row in self.button_rows(message):
            self.line("    " + "  ".join(row))

    def deleted(self, persona: Persona) -> None:
        with self.speaking():
            text = _("{who}: Foyer deleted one of its messages").format(who=persona.label)
        self.info(text)

    def button_rows(self, message: Message) -> list[list[str]]:
        rows: list[list[str]] = []
        n = 0
        with self.speaking():
            opens = " " + _("(opens a link)")
        for row in message.reply_markup or []:
            shown = []
            for label, data in row:
                n += 1
                link = opens if is_link(data) else ""
                shown.append(f"{self._style(f'[{n}]', '1')} {label}{link}")
            rows.append(shown)
        return rows

    def render_html(self, source: str) -> str:
        """Telegram HTML as terminal text: bold and italic kept when colours are on."""

        def tag(m: re.Match[str]) -> str:
            if not self.colour:
                return ""
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name in ("b", "strong"):
                return "\x1b[22m" if closing else _BOLD
            if name in ("i", "em"):
                return "\x1b[23m" if closing else _ITALIC
            return ""

        return html.unescape(_TAG.sub(tag, source))


def plain(text: str) -> str:
    """Text without ANSI codes (tests compare what a reader sees)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def is_link(data: str | None) -> bool:
    return data is not None and data.startswith(("http://", "https://", "tg://"))
