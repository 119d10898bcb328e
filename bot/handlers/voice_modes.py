"""Read, Listen or Both: the words and buttons of the choice, the same at joining and in
/settings (the symbols tell them apart for a man who reads little)."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain import symbols
from bot.domain.audio import VoiceMode
from bot.handlers.common import Buttons
from bot.i18n import _

_SYMBOL = {
    VoiceMode.READ: symbols.READ,
    VoiceMode.LISTEN: symbols.LISTEN,
    VoiceMode.BOTH: symbols.BOTH,
}


def mode_name(mode: VoiceMode) -> str:
    names = {VoiceMode.READ: _("Read"), VoiceMode.LISTEN: _("Listen"), VoiceMode.BOTH: _("Both")}
    return names[mode]


def mode_label(mode: VoiceMode) -> str:
    """The mode with its symbol, as a button and as the settings show it: "🔊 Listen"."""
    return symbols.label(_SYMBOL[mode], mode_name(mode))


def modes_text() -> str:
    """The question and what each answer means."""
    return "\n".join(
        [
            _("How do you want to receive Foyer's messages?"),
            "",
            symbols.label(symbols.READ, _("Read: written messages.")),
            symbols.label(
                symbols.LISTEN,
                _(
                    "Listen: voice messages, wherever the programme has been recorded in your "
                    "language (written where it has not)."
                ),
            ),
            symbols.label(symbols.BOTH, _("Both: the voice message and the written text.")),
            "",
            _("You can change this at any time with /settings."),
        ]
    )


def mode_buttons(data_of: Callable[[VoiceMode], str]) -> Buttons:
    """One button per mode, each on its own row (big enough to tap)."""
    return [[(mode_label(mode), data_of(mode))] for mode in VoiceMode]
