"""What the report stage wrote: one Artefact per file, with the heading of index.html it
belongs to, and the message written on a figure that had no data."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Artefact:
    file: str                 # relative to the output directory
    section: str              # heading it belongs to in index.html
    kind: str                 # table | figure | text | data
    title: str = ""
    no_data: str | None = None   # figures: the message written on an empty figure


@dataclass
class Manifest:
    out: Path
    artefacts: list[Artefact] = field(default_factory=list)

    def files(self) -> list[str]:
        return [a.file for a in self.artefacts]

    def no_data(self) -> dict[str, str]:
        return {a.file: a.no_data for a in self.artefacts if a.no_data}
