"""Hypothesis settings shared by the test suite: modest example counts, no deadline."""

import os

from hypothesis import settings

settings.register_profile("chainrule", max_examples=40, deadline=None)
settings.register_profile("thorough", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "chainrule"))
