"""Tiny OGG/Opus voice recordings for the tests and the sandbox, made here, never downloaded.

    python scripts/make_test_audio.py DIR [SECONDS]

writes DIR/tone-<SECONDS>s.ogg. The tests call `opus_bytes` directly (tests/audio_samples.py).
soundfile's wheels carry libsndfile with Opus; it is a development dependency only.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

RATE = 48_000  # Opus's own rate: no resampling


def opus_bytes(seconds: float, pitch: float = 220.0) -> bytes:
    """A quiet sine tone of ``seconds`` as an OGG/Opus file (about 1 KB a second)."""
    import numpy as np  # matplotlib's dependency, always there
    import soundfile

    frames = max(1, int(seconds * RATE))
    t = np.arange(frames, dtype=np.float32) / RATE
    tone = (0.1 * np.sin(2 * math.pi * pitch * t)).astype(np.float32)
    out = io.BytesIO()
    soundfile.write(out, tone, RATE, format="OGG", subtype="OPUS")
    return out.getvalue()


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    folder = Path(argv[0])
    seconds = float(argv[1]) if len(argv) == 2 else 3.0
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tone-{seconds:g}s.ogg"
    path.write_bytes(opus_bytes(seconds))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
