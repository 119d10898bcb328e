"""The curricula available to this deployment, loaded and validated once."""

from __future__ import annotations

from pathlib import Path

from bot.domain.curriculum import Curriculum, CurriculumError, load_curriculum
from bot.paths import conversations_dir


class Curricula:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or conversations_dir()
        self._by_id: dict[str, Curriculum] = {}
        for path in sorted(self.root.glob("*.toml")):
            cur = load_curriculum(path)
            if cur.id in self._by_id:
                raise CurriculumError(f"{path}:-:id: curriculum id {cur.id!r} is used twice")
            self._by_id[cur.id] = cur

    def get(self, curriculum_id: str) -> Curriculum | None:
        return self._by_id.get(curriculum_id)

    def __getitem__(self, curriculum_id: str) -> Curriculum:
        return self._by_id[curriculum_id]

    def ids(self) -> list[str]:
        return sorted(self._by_id)
