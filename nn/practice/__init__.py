"""Practice: gradients by hand on small graphs, checked node by node with a diagnosis.

    from nn import practice
    ex = practice.exercise(seed=7, level=3)   # a neuron; levels 1–5 (practice.LEVELS)
    ex.draw()                                 # values, no gradients
    report = ex.check({"a": 0.42, "z": …})    # right / wrong, and the rule a wrong number came from
    report.draw()                             # the first wrong node and its paths in red

`exercises` makes them from a seed (`stream`: the same on every platform), `mistakes` is the
catalogue of rules a wrong number can come from, `diagnosis` judges an answer.
"""

from .diagnosis import ABS_TOL, REL_TOL, Report, Verdict, check
from .exercises import LEVELS, ClassSet, Exercise, class_set, exercise, exercise_set
from .mistakes import MISTAKES, Mistake
from .stream import Stream

__all__ = [
    "ABS_TOL",
    "LEVELS",
    "MISTAKES",
    "REL_TOL",
    "ClassSet",
    "Exercise",
    "Mistake",
    "Report",
    "Stream",
    "Verdict",
    "check",
    "class_set",
    "exercise",
    "exercise_set",
]
