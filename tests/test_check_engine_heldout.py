"""check_engine on engines it was not tuned on (`learner_engines_heldout*`): every bug of each
is named with its cause, and nothing else is reported as a bug (0 wrong diagnoses, 0 missed
bugs); the beyond-the-lecture cases fail where the lecture's engine does, and only there."""

from __future__ import annotations

import learner_engines_heldout
import learner_engines_heldout2
import learner_engines_heldout3
import pytest

from autograd import check_engine
from autograd.learner.report import LIMIT

HELD_OUT = {
    **learner_engines_heldout.HELD_OUT,
    **learner_engines_heldout2.HELD_OUT,
    **learner_engines_heldout3.HELD_OUT,
}


@pytest.mark.parametrize("V", list(HELD_OUT), ids=lambda V: V.__name__)
def test_every_bug_named_and_nothing_else(V):
    spec = HELD_OUT[V]
    report = check_engine(V, timeout=5.0)  # room for a busy machine
    named = []
    for words, case in spec["bugs"]:
        hits = [b for b in report.bugs if words in b.diagnosis and case in b.cases]
        assert hits, f"missed: {words!r} in {case!r}\n{report}"
        named += hits
    wrong = [b for b in report.bugs if b not in named]
    assert wrong == [], f"wrong diagnoses: {wrong}"
    if "limits" in spec:
        assert {c.name for c in report if c.status == LIMIT} == spec["limits"]
