"""What the sandbox shows of Foyer's messages: the current person's in full, a notice for
everyone else's, and the files Foyer sends saved to a folder."""

from __future__ import annotations

import re
from pathlib import Path

from bot.domain.audio import AudioKey
from bot.emulator import BotAPIEmulator
from bot.emulator.models import Message
from bot.i18n import _
from bot.sandbox import voices
from bot.sandbox.personas import Persona
from bot.sandbox.terminal import Terminal

_DELETED = -1


class Screen:
    def __init__(self, emu: BotAPIEmulator, term: Terminal, files_dir: Path | None) -> None:
        self.emu = emu
        self.term = term
        self.files_dir = files_dir
        self.known: dict[int, Persona] = {}  # the people met so far, by Telegram id
        self._shown: dict[tuple[int, int], int] = {}  # (chat, message) -> revision shown
        self._noticed: dict[int, int] = {}  # chat -> unread count already announced
        self._saved: dict[tuple[int, int], Path] = {}  # (chat, message) -> the file saved
        self._file_number = 0
        # The library's recordings among the voice messages, by file_unique_id (the session
        # looks them up before showing: unnamed_voices, learn).
        self._voice_keys: dict[str, AudioKey] = {}
        self._looked_up: set[str] = set()

    def _news(self, persona: Persona) -> list[tuple[Message, str]]:
        """Messages not shown yet to this persona: ("new" | "edited" | "deleted", message)."""
        out: list[tuple[Message, str]] = []
        for m in self.emu.state.bot_messages(persona.user_id, include_deleted=True):
            shown = self._shown.get((m.chat_id, m.message_id))
            if m.deleted:
                if shown is None:
                    self._shown[(m.chat_id, m.message_id)] = _DELETED  # came and went unseen
                elif shown != _DELETED:
                    out.append((m, "deleted"))
            elif shown is None:
                out.append((m, "new"))
            elif m.revision > shown:
                out.append((m, "edited"))
        return out

    def unnamed_voices(self) -> list[Message]:
        """Voice messages about to be shown whose recording has not been looked up."""
        return [
            m
            for persona in self.known.values()
            for m, what in self._news(persona)
            if what != "deleted"
            and m.kind == "voice"
            and m.file is not None
            and m.file.file_unique_id not in self._looked_up
        ]

    def learn(self, asked: list[Message], keys: dict[str, AudioKey]) -> None:
        self._voice_keys.update(keys)
        self._looked_up.update(m.file.file_unique_id for m in asked if m.file is not None)

    def _voice_key(self, m: Message) -> AudioKey | None:
        if m.kind != "voice" or m.file is None:
            return None
        return voices.key_of_name(m) or self._voice_keys.get(m.file.file_unique_id)

    def _voice_label(self, m: Message) -> str | None:
        if m.kind != "voice" or m.file is None:
            return None
        with self.term.speaking():
            return voices.label(self._voice_key(m), m.file.duration or 0)

    def _save_file(self, persona: Persona, m: Message) -> Path | None:
        """The file Foyer sent in this message, written to the files folder once (a recording
        under its key's name, so a trainer knows what plays)."""
        key = (m.chat_id, m.message_id)
        if key in self._saved:
            return self._saved[key]
        if self.files_dir is None or m.file is None or m.file.data is None:
            return None
        recording = self._voice_key(m)
        name = (
            (recording.file_name() if recording else None)
            or m.file.file_name
            or Path(m.file.file_path).name
            or f"{m.kind}.bin"
        )
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or m.kind
        label = persona.label.replace(" ", "")
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            if self._file_number == 0:  # a kept folder: carry on after its files
                numbers = [int(f.name[:3]) for f in self.files_dir.glob("[0-9][0-9][0-9]-*")]
                self._file_number = max(numbers, default=0)
            self._file_number += 1
            path = self.files_dir / f"{self._file_number:03d}-{label}-{safe}"
            path.write_bytes(m.file.data)
        except OSError as exc:
            with self.term.speaking():
                self.term.problem(
                    _("could not save a file in {folder}: {problem}").format(
                        folder=self.files_dir, problem=exc.strerror or exc
                    )
                )
            return None
        self._saved[key] = path
        return path

    def files(self) -> None:
        """The files folder's files: this session's, and a kept folder's earlier ones."""
        folder = self.files_dir
        found = (
            sorted(p for p in folder.iterdir() if p.is_file()) if folder and folder.is_dir() else []
        )
        if not found:
            with self.term.speaking():
                if folder is None:
                    self.term.info(_("(no files yet)"))
                else:
                    self.term.info(_("(no files yet: they go to {folder})").format(folder=folder))
            return
        for path in found:
            self.term.line(f"  {path}")

    def _mark(self, m: Message, what: str) -> None:
        self._shown[(m.chat_id, m.message_id)] = _DELETED if what == "deleted" else m.revision

    def show(self, current: Persona, heading: str | None = None) -> bool:
        """Print what ``current`` received; a one-line notice for anyone else."""
        printed = False

        def head() -> None:
            nonlocal printed
            if not printed and heading:
                self.term.heading(heading)
            printed = True

        for m, what in self._news(current):
            head()
            self._mark(m, what)
            if what == "deleted":
                self.term.deleted(current)
            else:
                saved = self._save_file(current, m)
                self.term.bot_message(
                    current, m, edited=what == "edited", saved=saved, voice=self._voice_label(m)
                )
        self._noticed.pop(current.user_id, None)
        for persona in sorted(self.known.values(), key=lambda p: p.user_id):
            if persona == current:
                continue
            news = self._news(persona)
            for m, what in news:
                if what != "deleted":
                    self._save_file(persona, m)  # saved now, shown when you play them
            count = len(news)
            if count > self._noticed.get(persona.user_id, 0):
                head()
                self.term.notice(persona, count)
            self._noticed[persona.user_id] = count
        return printed

    def has_news(self, current: Persona) -> bool:
        return any(
            len(self._news(p)) > (0 if p == current else self._noticed.get(p.user_id, 0))
            for p in self.known.values()
        )

    def seen_silently(self, persona: Persona) -> None:
        """What this persona has is taken as shown (a dialogue played for them)."""
        for m, what in self._news(persona):
            self._mark(m, what)
