"""Shared by the test suite: Hypothesis settings (modest example counts, no deadline) and the
JupyterLite site built once per session."""

import os
import time

import pytest
from hypothesis import settings

settings.register_profile("chainrule", max_examples=40, deadline=None)
settings.register_profile("thorough", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "chainrule"))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The JupyterLite site, built once per test session; built twice into the same folder, the
    second time with a changed config, since a rebuild once lost the local Pyodide URL."""
    import site_build

    reason = site_build.jupyterlite_missing()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("site") / "site"
    t0 = time.perf_counter()
    first = site_build.build(out)
    first["seconds"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    info = site_build.build(out, expose_app=True)  # window.jupyterapp, for the browser test
    info["seconds"] = round(time.perf_counter() - t0, 1)
    info["first_build"] = first
    info["path"] = out
    return info
