"""Distress words in anything a person types: a warm acknowledgement and "did I understand
you?"; yes shows help and the offer of a person, no carries on. The text is never kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.domain.distress import DistressCategory, DistressListError, detect, load_lists
from bot.storage.tables import group, person
from tests.conftest import Foyer, msg_buttons
from tests.test_safety_help import ask, sfoyer  # noqa: F401  (the fixture)

V, S, E = DistressCategory.VIOLENCE, DistressCategory.SELF_HARM, DistressCategory.EMERGENCY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He BEATS me when he drinks", {V}),
        ("my husband hits me", {V}),
        ("i think about suiside", {S}),  # a common misspelling
        ("I want to die", {S}),
        ("Il m'a frappée hier", {V}),
        ("jai peur de lui", {V}),  # no apostrophe, as typed on a phone
        ("je veux me suicider", {S}),
        ("Au secours !", {E}),
        ("Mi esposo me golpeó", {V}),
        ("ayudame por favor", {E}),
        ("quiero morir", {S}),
        ("a ye n bugɔ", {V}),  # Bambara, official orthography
        ("a ye n bugo", {V}),  # and as typed without ɔ
        ("n yere faga", {S}),
    ],
)
def test_detects_in_every_language_with_misspellings(
    text: str, expected: set[DistressCategory]
) -> None:
    assert expected <= detect(text)


@pytest.mark.parametrize(
    "text",
    [
        "The army came to the village",  # "arme" is a whole word only
        "l'armée est passée",
        "I love violets",  # not "viol"
        "what a nice day, thank you",
        "we did the challenge together",
        "Done",
    ],
)
def test_ordinary_words_do_not_match(text: str) -> None:
    assert detect(text) == set()


def test_lists_cover_every_language_and_category() -> None:
    lists = load_lists(Path(__file__).resolve().parents[1] / "conversations" / "distress")
    assert set(lists) == {"en", "fr", "es", "bm"}
    for by_cat in lists.values():
        assert set(by_cat) == set(DistressCategory)


def test_a_bad_list_names_file_and_category(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[anger]\nwords = ["x"]\n', encoding="utf-8")
    with pytest.raises(DistressListError, match=r"en.toml:anger: unknown category"):
        load_lists(tmp_path)


async def test_distress_words_lead_to_a_question_then_help(sfoyer: Foyer) -> None:  # noqa: F811
    gid, code = await sfoyer.create_group()
    async with sfoyer.rt.engine.begin() as conn:
        await conn.execute(update(group).where(group.c.id == gid).values(country="ML"))
    uid = await sfoyer.join(code)

    msg = await ask(sfoyer, uid, "he said he will kill me tonight")
    assert "Thank you for telling me" in msg.text
    assert "call <b>17</b>" not in msg.text  # text, not HTML source
    assert "call 17, 18, 15" in msg.text  # emergency: the numbers at once
    assert "Did I understand you?" in msg.text
    assert [r[0][0] for r in msg_buttons(msg)] == ["✅ Yes, show me help", "❌ No, carry on"]
    await sfoyer.press(uid, msg, "Yes, show me help")
    shown = await sfoyer.emu.wait_for_edit(uid, msg.message_id)
    assert shown.text is not None
    assert shown.text.startswith("Help\n") and "Police: 17" in shown.text
    assert msg_buttons(shown) == [[("🙋 Talk to a person", "zh:t")]]

    msg = await ask(sfoyer, uid, "my wife hits me sometimes")
    assert "Did I understand you?" in msg.text and "call 17" not in msg.text
    await sfoyer.press(uid, msg, "No, carry on")
    shown = await sfoyer.emu.wait_for_edit(uid, msg.message_id)
    assert "send /help" in (shown.text or "") and msg_buttons(shown) == []


async def test_distress_words_from_a_stranger_and_in_a_caption(sfoyer: Foyer) -> None:  # noqa: F811
    stranger = sfoyer.new_user()
    msg = await ask(sfoyer, stranger, "I am not safe at home")
    assert "Did I understand you?" in msg.text
    sfoyer.emu.send_photo(stranger, caption="help me please")
    msg = await sfoyer.last_message(stranger)
    assert "Did I understand you?" in msg.text
    # A stranger asking for help still leaves no trace in the database.
    async with sfoyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(person))).first() is None
