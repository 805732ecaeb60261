"""What the report stage wrote and where it goes on index.html: one Artefact per file (with the
heading it belongs to, and the message written on a figure that had no data), the Section a
table or figure is shown under (its heading and the sentence that says how to read it), and
Drawn, what a figure builder returns for each figure it drew."""
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


@dataclass(frozen=True)
class Section:
    """A heading of index.html and the sentence under it ('' for none)."""
    title: str
    intro: str = ""


@dataclass(frozen=True)
class Drawn:
    """One figure a builder drew: its PNG relative to the output directory (the PDF sits
    beside it), its caption, and the message written across it when it had no data."""
    file: str
    title: str
    no_data: str | None = None


@dataclass
class Manifest:
    out: Path
    artefacts: list[Artefact] = field(default_factory=list)

    def files(self) -> list[str]:
        return [a.file for a in self.artefacts]

    def no_data(self) -> dict[str, str]:
        return {a.file: a.no_data for a in self.artefacts if a.no_data}
