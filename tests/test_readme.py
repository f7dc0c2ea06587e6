"""The README's quickstart runs as written and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quickstart() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_quickstart_runs_and_prints_what_it_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(quickstart(), "README quickstart", "exec"), {})
    first, second = out.getvalue().splitlines()
    a, xg, wg, bg = (float(v) for v in first.split())
    assert (round(a, 4), round(xg, 4), round(wg, 4), round(bg, 4)) == (
        0.8483,
        -0.4206,
        0.1402,
        0.2804,
    )
    assert second == "+ 2 (1.0, 1.0)"
    svg_text = list(ET.parse(tmp_path / "neuron.svg").getroot().itertext())
    assert any("0.8483" in t for t in svg_text)


def test_readme_names_the_test_command():
    assert "make test" in README.read_text(encoding="utf-8")


def test_the_first_screen_says_how_to_install_and_the_clash_with_hips_autograd():
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:45])
    for words in (
        "pip install chainrule",
        'pip install "chainrule[plot]"',
        'pip install "chainrule[notebooks]"',
        "make demo",
        "make test",
        "HIPS autograd",
        "pip uninstall autograd && pip install --force-reinstall --no-deps chainrule",
        "30 MB of it wasmtime",
    ):
        assert words in first_screen, words
