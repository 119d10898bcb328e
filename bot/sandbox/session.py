"""One sandbox session: the emulator, Foyer's Application, its clock, and the people played.

Everything runs in one event loop. After each action the session waits until Foyer has
handled every update and drained its outbox, so a script prints the same conversation on
every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.app import build_application, running
from bot.delivery import due, planner
from bot.domain.symbols import words_of
from bot.emulator import BotAPIEmulator
from bot.emulator.models import Message
from bot.i18n import LANGUAGE_NAMES, _, format_clock, format_day_short
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime, runtime_of
from bot.sandbox import script, voices, waiting
from bot.sandbox.personas import MEMBER_1, Persona
from bot.sandbox.problem import SandboxProblem
from bot.sandbox.screen import Screen
from bot.sandbox.terminal import Terminal, is_link
from bot.sandbox.voice_notes import voice_note
from bot.sandbox.waiting import SETTLE_TIMEOUT
from bot.sandbox.world import GROUP_NAME, TIMEZONE, Options, sandbox_settings, seed, start_moment
from bot.storage import groups

_START_LINK = re.compile(r"\?start=([A-Za-z0-9_-]{1,64})")
_MAX_STOPS = 5000
_MAX_JOIN_STEPS = 8


class Sandbox:
    def __init__(
        self, emu: BotAPIEmulator, app: Any, clock: OffsetClock, term: Terminal, lang: str
    ) -> None:
        self.emu = emu
        self.app = app
        self.rt: Runtime = runtime_of(app)
        self.clock = clock
        self.term = term
        self.lang = lang
        self.current = MEMBER_1
        self.invite = ""
        self.group_id = 0
        self.tz = ZoneInfo(TIMEZONE)
        self.echo = True  # print what the person sends (off when they typed it themselves)
        # Typed at the terminal: a number no button has is sent as text. A script stops at
        # it instead, since there it is more likely a mistake.
        self.interactive = False
        self.screen = Screen(emu, term, None)
        self.group_name = GROUP_NAME
        self.lock = asyncio.Lock()

    async def seed(self, options: Options) -> None:
        """The demo group, its invite, the facilitator; on a kept database, find them again."""
        world = await seed(self.rt, self.clock, self.term, options, self.lang)
        self.group_id, self.invite, self.tz = world.group_id, world.invite, world.tz
        self.group_name = world.group_name
        for persona in world.personas:
            self._meet(persona)

    def _meet(self, persona: Persona) -> None:
        """The persona's Telegram account and private chat with the bot exist from now on."""
        if persona.user_id in self.screen.known:
            return
        user = self.emu.state.user(
            persona.user_id, first_name=persona.first_name, language_code=self.lang
        )
        self.emu.state.private_chat(user)
        self.screen.known[persona.user_id] = persona

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Every update handled, every due outbox row sent, and the emulator quiet."""
        await waiting.settle(self.emu, self.app, self.rt, timeout)
        if asked := self.screen.unnamed_voices():
            self.screen.learn(asked, await voices.library_keys(self.rt, asked))

    def show(self, heading: str | None = None) -> bool:
        """Print what the current person received; a one-line notice for anyone else."""
        return self.screen.show(self.current, heading)

    def has_news(self) -> bool:
        return self.screen.has_news(self.current)

    # --- time ----------------------------------------------------------------------------

    def local(self, moment: datetime) -> str:
        """'Tue 8 Dec 2026, 08:00' in the sandbox's language, its one clock style included."""
        at = moment.astimezone(self.tz)
        lang = self.term.lang
        return f"{format_day_short(at, lang)}, {format_clock(at, lang)}"

    async def advance(self, delta: timedelta) -> None:
        """Move the clock, stopping at each scheduled moment so nothing is sent late."""
        target = self.clock.now() + delta
        for _stop in range(_MAX_STOPS):
            await planner.tick(self.rt)
            await self.settle()
            self.show(self.local(self.clock.now()))
            stop = await waiting.next_stop(self.rt, self.clock.now())
            if stop is None or stop > target:
                break
            self.clock.set(stop)
        self.clock.set(target)
        await planner.tick(self.rt)
        await self.settle()
        self.show(self.local(self.clock.now()))
        with self.term.speaking():
            self.term.info(
                _("(it is now {when}, {timezone})").format(
                    when=self.local(self.clock.now()), timezone=self.tz.key
                )
            )

    async def now_line(self) -> str:
        now = self.clock.now()
        async with self.rt.engine.connect() as conn:
            g = await groups.get(conn, self.group_id)
        schedule = due.schedule_for(self.rt, g) if g is not None else None
        with self.term.speaking():
            when = self.local(now)
            if g is None or schedule is None:
                return _("{when} in {timezone}").format(when=when, timezone=self.tz.key)
            return _(
                "{when} in {timezone}; {group} meets on {day} at {time}, week {week} of {weeks}"
            ).format(
                when=when,
                timezone=self.tz.key,
                group=g.name,
                day=get_day_names("wide", locale=self.term.lang)[schedule.meet_weekday],
                time=format_clock(schedule.meet_time, self.term.lang),
                week=schedule.current_week(now),
                weeks=schedule.weeks,
            )

    # --- people acting -------------------------------------------------------------------

    def become(self, persona: Persona) -> None:
        self._meet(persona)
        self.current = persona
        with self.term.speaking():
            self.term.info(
                _("(you are now {who}: {name}, Telegram id {id})").format(
                    who=persona.label, name=persona.first_name, id=persona.user_id
                )
            )
        self.show()

    def expand(self, text: str) -> str:
        """{invite}: the demo group's code; {link}: the code of Foyer's latest invite link."""
        text = text.replace("{invite}", self.invite)
        if "{link}" in text:
            text = text.replace("{link}", self._latest_link_code())
        return text

    def _latest_link_code(self) -> str:
        for call in reversed(self.emu.calls()):
            if call.method in ("sendMessage", "editMessageText") and call.status == 200:
                found = _START_LINK.search(str(call.params.get("text", "")))
                if found:
                    return found.group(1)
        raise SandboxProblem("{link}: Foyer has not sent an invite link yet")

    async def send_text(self, text: str) -> None:
        text = self.expand(text)
        self._meet(self.current)
        if self.echo:
            self.term.sent(self.current, text)
        self.emu.send_text(self.current.user_id, text)
        await self.settle()
        self.show()

    async def send_media(self, action: script.Photo | script.Voice) -> None:
        self._meet(self.current)
        uid = self.current.user_id
        with self.term.speaking():
            if isinstance(action, script.Photo):
                caption = f" {action.caption}" if action.caption else ""
                self.term.sent(self.current, "[" + _("photo") + "]" + caption)
                self.emu.send_photo(uid, caption=action.caption)
            else:
                seconds = _("voice note, {n} s").format(n=action.seconds)
                self.term.sent(self.current, f"[{seconds}]")
                self.emu.send_voice(uid, action.seconds, data=voice_note(action.seconds))
        await self.settle()
        self.show()

    def _with_buttons(self) -> Message | None:
        live = [m for m in self.emu.state.bot_messages(self.current.user_id) if m.reply_markup]
        return live[-1] if live else None

    async def press(self, number: int) -> None:
        message = self._with_buttons()
        buttons = message.buttons if message is not None else []
        if message is None or not 1 <= number <= len(buttons):
            if self.interactive:
                # "Tap a number, or type it if it is not here": typed, it is the person's text.
                with self.term.speaking():
                    self.term.info(
                        _("(no button {n}: sent as text, as :say {n} does)").format(n=number)
                    )
                await self.send_text(str(number))
                return
            if message is None:
                raise SandboxProblem(
                    f"no buttons to press: {self.current.label} has none on screen "
                    f"(to send {number} as text: :say {number})"
                )
            raise SandboxProblem(
                f"no button {number}: Foyer's latest message with buttons has 1 to {len(buttons)} "
                f"(to send {number} as text: :say {number})"
            )
        label, data = buttons[number - 1]
        self.term.sent(self.current, f"[{number}] {label}")
        if data is None or is_link(data):
            with self.term.speaking():
                self.term.info(_("(this button opens a link: {url})").format(url=data))
            return
        query_id = self.emu.press_button(self.current.user_id, message.message_id, data)
        await self.settle()
        answer = self.emu.state.callbacks[query_id].answer or {}
        if answer.get("text"):
            self.term.callback_answer(str(answer["text"]), bool(answer.get("show_alert")))
        self.show()

    async def join(self) -> None:
        """The join dialogue with the first choice at each step (the persona's language)."""
        persona = self.current
        self._meet(persona)
        with self.term.speaking():
            note = _("(:join answers each question)")
        self.term.sent(persona, f"/start {self.invite}  {note}")
        before = {m.message_id for m in self.emu.state.bot_messages(persona.user_id)}
        self.emu.send_text(persona.user_id, f"/start {self.invite}")
        await self.settle()
        replies = [
            m for m in self.emu.state.bot_messages(persona.user_id) if m.message_id not in before
        ]
        dialogue = next((m for m in replies if m.reply_markup), None)
        for _step in range(_MAX_JOIN_STEPS):
            if dialogue is None:
                break
            current = self.emu.message(persona.user_id, dialogue.message_id)
            choices = [(label, data) for label, data in current.buttons if not is_link(data)]
            if not choices or current.deleted:
                break
            self.screen.seen_silently(persona)
            wanted = LANGUAGE_NAMES.get(self.lang)
            _label, data = next(
                ((lb, d) for lb, d in choices if words_of(lb) == wanted), choices[0]
            )
            self.emu.press_button(persona.user_id, current.message_id, data)
            await self.settle()
            if self.emu.message(persona.user_id, current.message_id).revision == current.revision:
                break  # Foyer did not move on (the answer says why)
        self.show()

    def who(self) -> None:
        with self.term.speaking():
            for persona in sorted(self.screen.known.values(), key=lambda p: p.user_id):
                who = _("{name}, Telegram id {id}").format(
                    name=persona.first_name, id=persona.user_id
                )
                here = "  " + _("<- you") if persona == self.current else ""
                self.term.line(f"  {self.term.mark(persona)} {who}{here}")

    def set_lang(self, code: str) -> None:
        self.lang = code
        with self.term.speaking():
            self.term.info(
                _("(people who appear from now on use Telegram in {language})").format(
                    language=LANGUAGE_NAMES[code]
                )
            )

    async def perform(self, action: script.Action) -> bool:
        """Play one action; False when the session should end."""
        match action:
            case script.Quit():
                return False
            case script.As(persona=persona):
                self.become(persona)
            case script.Say(text=text):
                await self.send_text(text)
            case script.Press(number=number):
                await self.press(number)
            case script.Advance(delta=delta):
                await self.advance(delta)
            case script.Now():
                line = await self.now_line()
                with self.term.speaking():
                    self.term.info(_("(now: {when})").format(when=line))
            case script.Photo() | script.Voice():
                await self.send_media(action)
            case script.Join():
                await self.join()
            case script.Lang(code=code):
                self.set_lang(code)
            case script.Narrate(text=text):
                self.term.narrate(text)
            case script.Help():
                with self.term.speaking():
                    self.term.line(script.help_text())
            case script.Who():
                self.who()
            case script.Files():
                self.screen.files()
        return True

    def banner(self, interactive: bool) -> None:
        with self.term.speaking():
            self._banner(interactive)

    def _banner(self, interactive: bool) -> None:
        self.term.heading(_("Foyer sandbox"))
        self.term.info(
            _("Telegram is simulated on this computer: no bot token, no network, nobody real.")
        )
        self.term.info(
            _("Demo group: {group}, {timezone}. The facilitator runs the group.").format(
                group=self.group_name, timezone=self.tz.key
            )
        )
        self.term.info(
            _(
                "Its invite code is {code}. In what you type, {placeholder} stands for this "
                "code: /start {placeholder} is what a man's phone sends when he opens the "
                "group's invite link."
            ).format(code=self.invite, placeholder="{invite}")
        )
        self.term.info(
            _("(now: {when})").format(
                when=_("{when} in {timezone}").format(
                    when=self.local(self.clock.now()), timezone=self.tz.key
                )
            )
        )
        if self.screen.files_dir is not None:
            self.term.info(
                _(
                    "Files Foyer sends (charts, CSV exports, /mydata) are saved in {folder}; "
                    ":files lists them."
                ).format(folder=self.screen.files_dir)
            )
        if interactive:
            self.term.info(
                _(
                    "You are member 1. Type a number to press a button, text to write to "
                    "Foyer, :help for everything else, :quit to leave."
                )
            )


@contextlib.asynccontextmanager
async def open_sandbox(options: Options, term: Terminal) -> AsyncIterator[Sandbox]:
    """The emulator and Foyer running, the world seeded; both stopped on the way out."""
    clock = OffsetClock(start_moment(date.today(), ZoneInfo(TIMEZONE)))
    async with BotAPIEmulator(
        bot_username="foyer_sandbox_bot", bot_name="Foyer", clock=clock.now
    ) as emu:
        app = build_application(sandbox_settings(emu, options.database_url), clock=clock)
        term.lang = options.lang  # the sandbox's own words follow --lang
        sandbox = Sandbox(emu, app, clock, term, options.lang)
        sandbox.screen.files_dir = options.files_dir
        try:
            await sandbox.seed(options)
        except BaseException:
            await runtime_of(app).engine.dispose()
            raise
        async with running(app, poll_timeout=1):
            await sandbox.settle()
            yield sandbox
