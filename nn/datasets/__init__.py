"""Data sets that ship with chainrule as plain text: `names()`, 5,163 US first names.

names.txt holds every first name of the US Census Bureau's 1990 first-name lists (public-domain
data), lowercased and deduplicated; its header says where the file comes from.
"""

from __future__ import annotations

from importlib import resources


def names() -> list[str]:
    """The first names of names.txt, lowercase a–z, one per line, in file (alphabetical) order."""
    text = resources.files(__name__).joinpath("names.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


__all__ = ["names"]
