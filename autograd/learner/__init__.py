"""A learner's own engine: reading its nodes whatever it names their attributes (`nodes`),
checking its `Value` class case by case against chainrule's (`check_engine`, its `cases`, the
evidence of `walk`, `infer` and `makers`, run bounded by `guard`, timed by `cost`, told by
`report`), and mirroring its graph as chainrule nodes so that `draw` can show it (`foreign`)."""

from .check_engine import check_engine
from .report import CaseResult, EngineReport

__all__ = ["CaseResult", "EngineReport", "check_engine"]
