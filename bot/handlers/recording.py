"""/record: what still lacks an approved recording in the recorder's languages, the text of an
item to read aloud, his voice note kept as a draft (listen, redo, submit, cancel).

Only an active recorder of the item's language records it. A command from anyone else gets the
refusal; a button pressed by anyone else, or about a draft that is not his (any more), gets the
one stale answer and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, filters

from bot.domain.audio import ADVISED_SECONDS, MAX_SECONDS, AudioKey
from bot.domain.buttons.recording import DraftAction, RecordHome, RecordItem, RecordList, ReviewPage
from bot.domain.policy import StaffActionError
from bot.handlers import paging
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.dialogue import Awaiting, Question, deadline, expect, forget, waiting
from bot.handlers.recording_texts import curriculum_name, item_name, key_label, language_name
from bot.handlers.recording_texts import item_text as text_of_item
from bot.handlers.routing import answer_stale, answers
from bot.handlers.staff_auth import Context, acknowledged, telegram_id
from bot.i18n import _, ngettext
from bot.services import recordings
from bot.services.recorders import Recorder, recorder_of
from bot.services.recordings import Coverage, TooLong, VoiceNote

TEXT_MAX = 3000  # of the item's text on the recorder's screen, within Telegram's 4096


def refused_text() -> str:
    return _("Sorry, this is only for the programme's recorders.")


async def recorder(update: Update, context: Context) -> Recorder:
    return await recorder_of(rt(context), telegram_id(update))


def seconds_text(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


# --- the overview and the lists ------------------------------------------------------------------


def _coverage_line(c: Coverage) -> str:
    line = _("{curriculum} · {language}: {done} of {total} recorded").format(
        curriculum=curriculum_name(c.curriculum),
        language=language_name(c.language),
        done=len(c.approved),
        total=len(c.keys),
    )
    if c.pending:
        n = len(c.pending)
        line += " " + ngettext("({n} waiting for review)", "({n} waiting for review)", n).format(
            n=n
        )
    return line


async def _home(context: Context, who: Recorder, number: int) -> tuple[str, Buttons] | None:
    found = await recordings.overview(rt(context), who.records)
    p = paging.page(found, number)
    if p is None:
        return None
    lines = [_("<b>Recording the programme</b>"), *(_coverage_line(c) for c in p.items)]
    lines += paging.title(p)
    lines.append(_("Choose what to record:"))
    buttons: Buttons = [
        [
            (
                "🎙 " + f"{curriculum_name(c.curriculum)} · {language_name(c.language)}",
                RecordList(c.language, c.curriculum).pack(),
            )
        ]
        for c in p.items
    ]
    waiting_review = len(await recordings.reviewable(rt(context), who))
    if waiting_review:
        buttons.append([("📝 " + _("Review ({n})").format(n=waiting_review), ReviewPage().pack())])
    return "\n".join(lines), buttons + paging.nav(p, RecordHome)


async def record_command(update: Update, context: Context) -> None:
    who = await recorder(update, context)
    if not who.records:
        await reply(update, refused_text())
        return
    shown = await _home(context, who, 0)
    assert shown is not None
    await reply(update, *shown)


@answers(RecordHome)
async def on_home(update: Update, context: Context, b: RecordHome) -> None:
    who = await recorder(update, context)
    shown = await _home(context, who, b.page) if who.records else None
    await paging.turn(update, shown)


def _item_label(key: AudioKey, c: Coverage) -> str:
    mark = "✅ " if key in c.approved else "⏳ " if key in c.pending else "🎙 "
    name = item_name(key.item)
    if key.week:
        name = _("Week {number}: {item}").format(number=key.week, item=name)
    return mark + name[:1].upper() + name[1:]


async def _list(context: Context, who: Recorder, b: RecordList) -> tuple[str, Buttons] | None:
    if b.language not in who.records:
        return None
    c = await recordings.coverage(rt(context), b.language, b.curriculum)
    if not c.keys:
        return None
    shown = c.keys if b.everything else c.missing
    p = paging.page(shown, b.page)
    if p is None:
        return None
    lines = [f"<b>{_coverage_line(c)}</b>"]
    if not shown:
        lines.append(_("Everything here has an approved recording."))
    else:
        lines.append(_("✅ approved · ⏳ waiting for review · 🎙 to record"))
    lines += paging.title(p)
    buttons: Buttons = [[(_item_label(k, c), RecordItem(k).pack())] for k in p.items]
    buttons += paging.nav(p, lambda n: RecordList(b.language, b.curriculum, n, b.everything))
    toggle = (
        _("Show only what is missing")
        if b.everything
        else _("Show the recorded ones too, to replace one")
    )
    buttons.append(
        [("🔁 " + toggle, RecordList(b.language, b.curriculum, 0, not b.everything).pack())]
    )
    buttons.append([("« " + _("Back"), RecordHome().pack())])
    return "\n".join(lines), buttons


@answers(RecordList)
async def on_list(update: Update, context: Context, b: RecordList) -> None:
    who = await recorder(update, context)
    shown = await _list(context, who, b)
    if shown is not None:
        _forget_recording(context, who.telegram_id)
    await paging.turn(update, shown)


def _forget_recording(context: Context, user_id: int) -> None:
    """Leaving the item: its voice note is no longer awaited (another question stays)."""
    found = waiting(context, user_id)
    if found is not None and found.question is Question.RECORDING:
        forget(context, user_id)


# --- one item: the text to read, the voice note awaited ------------------------------------------


def _back_to(key: AudioKey) -> tuple[str, str]:
    return ("❌ " + _("Cancel"), RecordList(key.language, key.curriculum).pack())


async def _ask_for_voice(update: Update, context: Context, who: Recorder, key: AudioKey) -> None:
    expect(
        context,
        who.telegram_id,
        Awaiting(Question.RECORDING, value=key.file_name(), until=deadline(context)),
    )
    c = await recordings.coverage(rt(context), key.language, key.curriculum)
    text = await text_of_item(rt(context), key)
    if len(text) > TEXT_MAX:
        text = text[:TEXT_MAX] + "…"
    lines = [f"<b>{key_label(key)}</b>"]
    if key in c.approved:
        lines.append(
            _("It has an approved recording: members keep hearing it until yours is approved.")
        )
    lines += [
        _(
            "Read this aloud in {language} and send it as a voice note (hold the microphone "
            "button). A quiet room, the phone close to your mouth, under {advised} minutes if "
            "you can (at most {most})."
        ).format(
            language=language_name(key.language),
            advised=ADVISED_SECONDS // 60,
            most=MAX_SECONDS // 60,
        ),
        text,
    ]
    await edit(update, "\n\n".join(lines), [[_back_to(key)]])


@answers(RecordItem)
async def on_item(update: Update, context: Context, b: RecordItem) -> None:
    who = await recorder(update, context)
    if not recordings.may_record(who, b.key) or not recordings.exists(rt(context), b.key):
        await answer_stale(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _ask_for_voice(update, context, who, b.key)


def _voice_of(message: Message | None) -> VoiceNote | None:
    """A voice note, or an audio file that is OGG (what Telegram plays as a voice message)."""
    if message is None:
        return None
    if message.voice is not None:
        v = message.voice
        return VoiceNote(v.file_id, v.file_unique_id, _seconds(v.duration))
    a = message.audio
    if a is not None and (a.mime_type or "").startswith("audio/ogg"):
        return VoiceNote(a.file_id, a.file_unique_id, _seconds(a.duration))
    return None


def _seconds(duration: int | timedelta) -> int:
    """PTB gives durations as seconds or as a timedelta, as configured."""
    if isinstance(duration, timedelta):
        return int(duration.total_seconds())
    return int(duration)


def draft_buttons(recording_id: int) -> Buttons:
    return [
        [
            ("🔊 " + _("Listen"), DraftAction(recording_id, DraftAction.LISTEN).pack()),
            ("🔁 " + _("Redo"), DraftAction(recording_id, DraftAction.REDO).pack()),
        ],
        [
            ("✅ " + _("Submit"), DraftAction(recording_id, DraftAction.SUBMIT).pack()),
            ("❌ " + _("Cancel"), DraftAction(recording_id, DraftAction.CANCEL).pack()),
        ],
    ]


async def on_voice(update: Update, context: Context, awaiting: Awaiting) -> None:
    """The voice note a recorder was asked for (recording_input.py took the question)."""
    key = AudioKey.from_file_name(awaiting.value)
    who = await recorder(update, context)
    if key is None or not recordings.may_record(who, key):
        await reply(update, refused_text())
        return
    note = _voice_of(update.effective_message)
    if note is None:
        expect(context, who.telegram_id, awaiting)
        await reply(
            update,
            _("Please send a voice note: hold the microphone button while you read. Or /cancel."),
        )
        return
    try:
        rid = await recordings.save_draft(rt(context), who, key, note, context.bot.id)
    except TooLong:
        expect(context, who.telegram_id, awaiting)
        await reply(
            update,
            _(
                "This voice note is {length} long: a recording can be at most {most} minutes. "
                "Please record it again, shorter. Nothing was kept."
            ).format(length=seconds_text(note.duration), most=MAX_SECONDS // 60),
        )
        return
    except StaffActionError:
        await reply(update, refused_text())
        return
    lines = [
        f"<b>{key_label(key)}</b>",
        _("Your recording ({length}) is kept as a draft. Listen to it, then submit it for "
          "review or record it again.").format(length=seconds_text(note.duration)),
    ]  # fmt: skip
    await reply(update, "\n\n".join(lines), draft_buttons(rid))


# --- the draft's buttons ------------------------------------------------------------------------


@answers(DraftAction)
async def on_draft(update: Update, context: Context, b: DraftAction) -> None:
    who = await recorder(update, context)
    try:
        draft = await recordings.own_draft(rt(context), who, b.recording_id)
    except StaffActionError:
        await answer_stale(update)
        return
    query = update.callback_query
    assert query is not None
    if b.verb == DraftAction.LISTEN:
        await query.answer()
        await context.bot.send_voice(
            who.telegram_id,
            draft.file_id,
            caption=key_label(draft.key),
        )
        return
    await _act_on_draft(update, context, who, b, draft.key)


@acknowledged
async def _act_on_draft(
    update: Update, context: Context, who: Recorder, b: DraftAction, key: AudioKey
) -> None:
    try:
        if b.verb == DraftAction.SUBMIT:
            await recordings.submit(rt(context), who, b.recording_id)
        else:
            await recordings.discard(rt(context), who, b.recording_id)
    except StaffActionError:
        return  # pressed twice: the first press already answered
    if b.verb == DraftAction.REDO:
        await _ask_for_voice(update, context, who, key)
        return
    if b.verb == DraftAction.SUBMIT:
        text = _(
            "✅ Submitted. Another recorder of {language} or an admin will listen to it and "
            "approve it; until then members do not hear it."
        ).format(language=language_name(key.language))
    else:
        text = _("Cancelled. Nothing was kept.")
    more = ("🎙 " + _("Record another"), RecordList(key.language, key.curriculum).pack())
    await edit(update, text, [[more]])


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("record", record_command, filters=private))
