"""The font set-ups the browser tests draw with are what they claim to be: the machine's own
fonts DejaVu only (as .ci/run leaves a fresh machine), and the private Liberation and URW sets
alone. A machine with extra fonts fails here, naming them, rather than silently turning the
DejaVu half of the tests into a second Liberation half."""

from __future__ import annotations

import browser as B
import pytest

REASON = B.missing()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

# Chromium's advance of one digit at 100 px in some families: 0.5 em in Times and its clones
# (Liberation Serif, Nimbus Roman), 0.556 em in Arial and Helvetica's (Liberation Sans, Nimbus
# Sans), 0.636 em in DejaVu Serif (2048 units: 1303), about 0.6 em in every monospace font.
DIGIT = {
    "system": {"Times": 63.6, "serif": 63.6, "monospace": 60.2},
    "liberation": {"Times": 50.0, "Arial": 55.6, "monospace": 60.0},
    # Chromium takes fontconfig's stand-in for a named family only from a list of metric
    # clones, which has no Nimbus: there `Times` falls to the default font, the generic serif
    # is Nimbus Roman
    "urw": {"serif": 50.0, "sans-serif": 55.6, "monospace": 60.0},
}
_DIGITS = """
const c = document.createElement('canvas').getContext('2d');
return arguments[0].map(f => {
  c.font = '100px ' + f;
  return c.measureText('0123456789').width / 10;
});
"""


@pytest.mark.parametrize("fonts", B.FONT_SETS)
def test_font_set_is_what_the_tests_expect(fonts):
    if (why := B.fonts_missing(fonts)) is not None:
        pytest.skip(why)
    found = B.font_matches(fonts)
    families = B.font_families(fonts)
    for family, want in B.EXPECTED_FONTS[fonts].items():
        assert found[family].startswith(want), (
            f"font set {fonts!r}: fc-match {family!r} gives {found[family]!r}, the tests expect "
            f"{want}; the fonts here are {', '.join(families)}"
        )
    if fonts == "system":
        extra = [f for f in families if f.startswith(B.METRIC_FAMILIES)]
        assert not extra, (
            f"this machine has fonts with Times/Arial/Courier metrics ({', '.join(extra)}), so "
            "its browser tests would not see what a DejaVu-only reader sees; the tests expect "
            "the fonts .ci/run leaves (DejaVu); remove them (e.g. apt-get remove "
            "fonts-liberation fonts-liberation2) and use their private set instead"
        )
    drv = B.browser(width=400, height=300, fonts=fonts)
    try:
        drv.get("about:blank")
        widths = drv.execute_script(_DIGITS, list(DIGIT[fonts]))
    finally:
        B.quit_browser(drv)
    seen = dict(zip(DIGIT[fonts], (round(w, 1) for w in widths), strict=True))
    assert seen == pytest.approx(DIGIT[fonts], abs=0.5), f"{fonts}: a digit at 100 px is {seen}"
