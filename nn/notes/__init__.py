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

The entries of note file NNN_….txt (ids NNN-k) are `noteNNN.ENTRIES`; `register` assembles
REGISTER from them, note by note, and runs it. An entry's machinery (Entry, Sides, Result, close)
is in `entry`, the numbers the checks share in `helpers`, and the δ rules of backpropagation by
hand, which several notes check, in `backprop` (`compare` puts them beside the engine's).
`feedback` checks a learner's answer to an exercise of a course notebook (not imported here).
"""

from . import backprop as backprop
from .entry import ABS_TOL as ABS_TOL
from .entry import REL_TOL as REL_TOL
from .entry import Entry, Result, close
from .entry import Sides as Sides
from .helpers import X3 as X3
from .note004 import TABLE_004_5 as TABLE_004_5
from .note004 import UA_BOUND as UA_BOUND
from .note004 import UA_FUNCTIONS as UA_FUNCTIONS
from .register import REGISTER, UnknownIdError, run

__all__ = ["REGISTER", "Entry", "Result", "UnknownIdError", "backprop", "close", "run"]
