"""The register: every equation of the course notes, checked one scalar at a time.

`REGISTER` maps each id of `shared/notes/EQUATIONS.md` (in its order) to an `Entry`; calling
`entry.check()` computes both sides of the equation: one with the engine (`backward()`/`grad()`),
the other from the notes' formula written out in floats. Where a line of the notes is wrong the
entry also computes the line as written, and the `Result` says so (`notes_wrong`), quoting the
line and giving the correction with the engine's numbers; `holds` is then the project's claim
that the correction holds.

    >>> from nn.notes import run
    >>> [r.holds for r in run(["000-2"])]
    [True]

The machinery (Entry, Sides, Result, run) is in `register`, the numbers the checks share in
`helpers`, and the entries of note file NNN (ids NNN-k) in `lectureNNN`, which add them to
REGISTER as they are imported: 000 first, so REGISTER keeps the order of EQUATIONS.md.
"""

from . import lecture000, lecture001, lecture002, lecture003, lecture004  # noqa: F401 (registers)
from .helpers import X3 as X3
from .lecture004 import TABLE_004_5 as TABLE_004_5
from .lecture004 import UA_BOUND as UA_BOUND
from .lecture004 import UA_FUNCTIONS as UA_FUNCTIONS
from .register import ABS_TOL as ABS_TOL
from .register import REGISTER, Entry, Result, UnknownIdError, close, run
from .register import REL_TOL as REL_TOL
from .register import Sides as Sides

__all__ = ["REGISTER", "Entry", "Result", "UnknownIdError", "close", "run"]
