"""A voice week's fan-out against a text week's, in the same run (issue 21: goal >= 0.8x).

    python -m bench.voice_fanout [--members 5000] [--runs 3] [--seconds 40]

The shipped curricula are copied to a folder where men-groups-12's week 1 names a recording
of its prompt in each seeded language (a tone of --seconds, OGG/Opus, made here with
soundfile, a development dependency). The same seeded database is run twice, alternately,
each time in a fresh child process (bench.fanout foyer) against one emulator process: every
member reading (voice_mode "read": text messages), then every member on "both" (the voice
message with the week's text as its caption). Prints one JSON line per run, then the rates,
their ratio and the uploads each voice run made (one per language: each file goes up once).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, emit, emulator, median, run_child
from bench.run_all import fresh, seeded
from bench.seed import LANGUAGES
from bot.paths import conversations_dir

CURRICULUM = "men-groups-12.toml"


def opus_tone(seconds: float, pitch: float) -> bytes:
    """scripts/make_test_audio.py's recipe (the tests use it too)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_test_audio", ROOT / "scripts" / "make_test_audio.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data: bytes = module.opus_bytes(seconds, pitch)
    return data


def voiced_content(folder: Path, seconds: float) -> Path:
    """The shipped curricula, week 1 of men-groups-12 with a recording per seeded language."""
    content = folder / "curricula"
    shutil.copytree(conversations_dir(), content)
    (content / "audio").mkdir(exist_ok=True)
    for i, lang in enumerate(LANGUAGES):
        (content / "audio" / f"w1.prompt.{lang}.ogg").write_bytes(
            opus_tone(seconds, 220.0 + 20 * i)
        )
    toml = content / CURRICULUM
    table = ", ".join(f'{lang} = "audio/w1.prompt.{lang}.ogg"' for lang in LANGUAGES)
    text, found = re.subn(
        r"(?m)^\[\[week\]\]\nnumber = 1\n",
        f"[[week]]\nnumber = 1\naudio = {{ {table} }}\n",
        toml.read_text(),
    )
    if found != 1:
        raise RuntimeError(f"week 1 not found in {toml}")
    toml.write_text(text)
    return content


def with_voice_mode(db: Path, mode: str) -> Path:
    with contextlib.closing(sqlite3.connect(db)) as con:
        con.execute("UPDATE person SET voice_mode = ?", (mode,))
        con.commit()
    return db


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=5_000, help="fan-out size (50 per group)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=40.0, help="length of each recording")
    args = p.parse_args()
    groups = max(1, args.members // 50)
    members = groups * 50
    results: dict[str, list[dict[str, Any]]] = {"read": [], "both": []}
    with tempfile.TemporaryDirectory(prefix="foyer-voice-bench-") as tmp:
        work = Path(tmp)
        content = voiced_content(work, args.seconds)
        template = seeded(work, "voice.db", groups, 50)
        with emulator() as emu:
            for _ in range(args.runs):
                for mode in ("read", "both"):
                    db = with_voice_mode(fresh(template, work, "out.db"), mode)
                    emu.control("reset_counters")
                    result = run_child(
                        "bench.fanout",
                        [
                            *("foyer", "--api", emu.api_url, "--db", str(db)),
                            *("--members", str(members), "--content-dir", str(content)),
                        ],
                    )
                    result.update(mode=mode, uploads=emu.control("uploads"))
                    results[mode].append(result)
                    emit(result)
    text = median([r["per_second"] for r in results["read"]])
    voice = median([r["per_second"] for r in results["both"]])
    pairs = [
        v["per_second"] / t["per_second"]
        for t, v in zip(results["read"], results["both"], strict=True)
    ]
    # CPU per message: what Foyer itself spends, less moved by other work on the machine.
    cpu = {
        m: median([r["cpu_seconds"] / r["messages"] * 1000 for r in rs])
        for m, rs in results.items()
    }
    uploads = sorted({r["uploads"] for r in results["both"]})
    print(
        f"fan-out of {members} members, median of {args.runs}: text week {text:.0f} msg/s, "
        f"voice week {voice:.0f} msg/s, ratio {voice / text:.2f} (goal >= 0.80; pairs "
        f"{', '.join(f'{p:.2f}' for p in pairs)}); CPU a message {cpu['read']:.2f} / "
        f"{cpu['both']:.2f} ms; uploads per voice run {uploads} for {len(LANGUAGES)} languages"
    )
    emit(
        {"text_per_second": text, "voice_per_second": voice, "ratio": voice / text, "pairs": pairs}
    )


if __name__ == "__main__":
    main()
