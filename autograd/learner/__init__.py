"""A learner's own engine: reading its nodes whatever it names their attributes (`nodes`),
checking its `Value` class case by case against chainrule's (`check_engine`, its `cases`), and
mirroring its graph as chainrule nodes so that `draw` can show it (`foreign`)."""

from .check_engine import CaseResult, EngineReport, check_engine

__all__ = ["CaseResult", "EngineReport", "check_engine"]
