"""The tables of an evaluation trace written out: aligned text, Markdown, HTML and LaTeX.

A table is a title, its column headers and its rows; each cell is built twice by a `Style`,
once as plain text (Unicode: v₋₁, v̄₃, ∂v₂/∂v₀) and once as LaTeX. Markdown and HTML escape the
plain text; LaTeX escapes labels inside the cells it builds. Labels are the one text that comes
from users, so every format escapes them (and control characters such as newlines are shown as
escapes everywhere). `Shown` is what a trace and its sweeps share: their tables in every format,
`print()` as text, HTML in notebooks, and a short `repr`.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..ops import fmt

_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")


class Table(NamedTuple):
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]


def plain(label: str) -> str:
    """A label with its control characters (newline, tab, …) shown as Python escapes."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch)[0] == "C" else ch
        for ch in label
    )


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    """Text safe inside \\text{…}: every LaTeX special character escaped."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in plain(text))


_MARKDOWN_SPECIALS = set("\\`*_{}[]#|$~^")  # ( ) + ! are inert once [ ] are escaped


def markdown_escape(text: str) -> str:
    """Text safe in a Markdown table cell: specials backslash-escaped, < > & as entities."""
    out = []
    for ch in text:
        if ch in _MARKDOWN_SPECIALS:
            out.append("\\" + ch)
        elif ch in "<>&":
            out.append(html.escape(ch))
        else:
            out.append(ch)
    return "".join(out)


# ---- the maths of the op table's templates, in LaTeX, turned into plain text ---------------

_MACROS = {
    r"\times": "×",
    r"\cdot": "·",
    r"\ln": "ln",
    r"\sin": "sin",
    r"\cos": "cos",
    r"\tanh": "tanh",
    r"\arctan": "arctan",
    r"\sigma": "σ",
    r"\max": "max",
    r"\exp": "exp",
}
_GROUPS = [
    (re.compile(r"\\(?:operatorname|text)\{([^{}]*)\}"), lambda m: m[1]),
    (re.compile(r"\\sqrt\{([^{}]*)\}"), lambda m: "√" + _group(m[1])),
    (re.compile(r"\^\{([^{}]*)\}"), lambda m: "^" + _group(m[1])),
]
# a function applied to one operand, `sinh v₀`: one factor, no parentheses needed
_ONE_TERM = re.compile(r"(ln|sin|cos|tan|sinh|cosh|tanh|arcsin|arccos|arctan|erf|sign|exp) [^ ]+")
_MACRO = re.compile(r"\\[a-z]+")
_MINUS = re.compile(r"(?<![0-9.][eE])-")  # every minus sign, not the one of 1e-05


def _group(inner: str) -> str:
    return inner if re.fullmatch(r"[\w.₋₀-₉]+", inner) else f"({inner})"


def latex_to_text(tex: str) -> str:
    """The few LaTeX constructs of the templates as plain text: `\\ln v₋₁`, `e^{v₀}` → `e^v₀`."""
    tex = tex.replace(r"\pi", "π")  # a letter, before the groups: √π, not √(π)
    changed = True
    while changed:
        before = tex
        for pattern, repl in _GROUPS:
            tex = pattern.sub(repl, tex)
        changed = tex != before
    tex = _MACRO.sub(lambda m: _MACROS.get(m[0], m[0].lstrip("\\")), tex)
    return re.sub(" {2,}", " ", _MINUS.sub("−", tex))


class Style:
    """How a trace's names, numbers and formulas are written: "text" or "latex"."""

    def __init__(self, kind: str, digits: int | None = None) -> None:
        self.latex = kind == "latex"
        self.digits = digits

    def var(self, i: int, mark: str = "") -> str:
        """vᵢ, v̄ᵢ (mark "bar") or v̇ᵢ (mark "dot")."""
        if self.latex:
            head = {"": "v", "bar": r"\bar v", "dot": r"\dot v"}[mark]
            return f"{head}_{{{i}}}"
        return "v" + {"": "", "bar": "\u0304", "dot": "\u0307"}[mark] + str(i).translate(_SUB)

    def name(self, name: str, mark: str = "") -> str:
        """An input's or output's name: y, and its adjoint ȳ (mark "bar") or tangent ẏ (mark
        "dot"); the mark sits over the name's leading letters: x̄1 (Baydin's x̄₁), n̅u̅."""
        if self.latex:
            text = self.label(name)
            return {"": text, "bar": rf"\bar{{{text}}}", "dot": rf"\dot{{{text}}}"}[mark]
        text = plain(name)
        if not mark or not text:
            return text
        if not text[0].isalpha():  # no letter to carry the mark: <a> → bar(<a>)
            return f"{mark}({text})"
        letters = next((k for k, ch in enumerate(text) if not ch.isalpha()), len(text))
        # one letter: a macron, composed where Unicode has the letter (ȳ, x̄); a word: an
        # overline on each letter, which fonts join into one bar (n̅u̅)
        combining = {"bar": "\u0304" if letters == 1 else "\u0305", "dot": "\u0307"}[mark]
        marked = "".join(ch + combining for ch in text[:letters])
        return unicodedata.normalize("NFC", marked) + text[letters:]

    def partial(self, k: int, i: int) -> str:
        if self.latex:
            return rf"\partial v_{{{k}}}/\partial v_{{{i}}}"
        return f"∂{self.var(k)}/∂{self.var(i)}"

    def label(self, text: str) -> str:
        return rf"\text{{{latex_escape(text)}}}" if self.latex else plain(text)

    def words(self, text: str) -> str:
        return rf"\text{{{text}}}" if self.latex else text

    def times(self) -> str:
        return r"\cdot" if self.latex else "·"

    def factor(self, formula: str) -> str:
        """A formula as the factor of a product: in parentheses unless it is one term without
        a sign (v̄₅ · (−1), as Baydin writes it)."""
        flat = formula if not self.latex else latex_to_text(formula)
        if not flat.startswith("−") and (" " not in flat or _ONE_TERM.fullmatch(flat)):
            return formula
        return rf"\left({formula}\right)" if self.latex else f"({formula})"

    def number(self, x: float) -> str:
        """A value, to `digits` decimals or in full; in text its sign is the formulas' minus
        sign (−), in LaTeX the ASCII one that maths mode typesets as a minus."""
        if math.isnan(x) or math.isinf(x):
            if self.latex:
                return r"\text{nan}" if math.isnan(x) else ("-" if x < 0 else "") + r"\infty"
            shown = repr(x)
        elif self.digits is None or x.is_integer():
            shown = fmt(x)
        else:
            shown = f"{x:.{self.digits}f}"
            shown = shown.rstrip("0").rstrip(".") if "." in shown else shown
            if shown == "-0":  # −0.0001 to 3 decimals: 0, not −0
                shown = "0"
        if self.latex or not shown.startswith("-"):
            return shown
        return "−" + shown[1:]

    def formula(self, template: Any, operands: list[str], c: Any, y: str, ds: tuple) -> Any:
        """An op-table template filled in with the operands' names: a str, or for the
        derivative templates a tuple of str."""
        if callable(template):
            out = template(operands, c, y, ds)
        elif isinstance(template, tuple):
            out = tuple(self.formula(t, operands, c, y, ds) for t in template)
            return out
        else:
            out = fill(template, operands, fmt(c) if c is not None else "", y)
        if isinstance(out, tuple):
            return tuple(s if self.latex else latex_to_text(s) for s in out)
        return out if self.latex else latex_to_text(out)


_SLOT = re.compile(r"#(\d+|c|y)")


def fill(template: str, operands: Sequence[str], c: str, y: str) -> str:
    """`#0`, `#1`, … → the operands, `#c` → the folded number, `#y` → the node."""

    def slot(m: re.Match) -> str:
        key = m[1]
        if key == "c":
            return c
        if key == "y":
            return y
        return operands[int(key)]

    return _SLOT.sub(slot, template)


# ---- the formats --------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def text(tables: Sequence[Table]) -> str:
    """Aligned columns, `lhs = rule = formula = value`, empty cells left out."""
    out = []
    for table in tables:
        out.append(table.title)
        n = len(table.headers)
        widths = [max((_width(r[k]) for r in table.rows), default=0) for k in range(n)]
        for row in table.rows:
            line = _pad(row[0], widths[0])
            for k in range(1, n - 1):
                sep = " = " if row[k] else "   "
                line += sep + _pad(row[k], widths[k])
            last = row[n - 1]
            if last:
                line += ("   " if table.headers[-1] == "local derivatives" else " = ") + last
            out.append("  " + line.rstrip())
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def markdown(tables: Sequence[Table]) -> str:
    """One GitHub-flavoured Markdown table per sweep, every cell escaped."""
    out = []
    for table in tables:
        out.append(f"**{markdown_escape(table.title)}**")
        out.append("")
        out.append("| " + " | ".join(markdown_escape(h) for h in table.headers) + " |")
        out.append("|" + "---|" * len(table.headers))
        for row in table.rows:
            out.append("| " + " | ".join(markdown_escape(c) for c in row) + " |")
        out.append("")
    return "\n".join(out)


def html_tables(tables: Sequence[Table]) -> str:
    """One HTML table per sweep, every cell escaped."""
    out = []
    cell = 'style="text-align:left; padding: 0.1em 1.2em 0.1em 0"'
    for table in tables:
        out.append('<table class="chainrule-trace" style="margin-bottom: 1em">')
        out.append(f'<caption style="text-align:left"><b>{html.escape(table.title)}</b></caption>')
        heads = "".join(f"<th {cell}>{html.escape(h)}</th>" for h in table.headers)
        out.append(f"<tr>{heads}</tr>")
        for row in table.rows:
            cells = "".join(f"<td {cell}>{html.escape(c)}</td>" for c in row)
            out.append(f"<tr>{cells}</tr>")
        out.append("</table>")
    return "\n".join(out)


def latex(tables: Sequence[Table]) -> str:
    """One `tabular` per sweep; each non-empty cell is inline maths."""
    out = []
    for table in tables:
        n = len(table.headers)
        out.append(r"\begin{tabular}{" + "l" * n + "}")
        out.append(rf"\multicolumn{{{n}}}{{l}}{{\textbf{{{latex_escape(table.title)}}}}} \\")
        out.append(r"\hline")
        out.append(" & ".join(rf"\textit{{{latex_escape(h)}}}" for h in table.headers) + r" \\")
        out.append(r"\hline")
        derivatives = table.headers[-1] == "local derivatives"
        for row in table.rows:
            cells = [
                "" if not c else f"${c}$" if k == 0 or (derivatives and k == n - 1) else f"$= {c}$"
                for k, c in enumerate(row)
            ]
            out.append(" & ".join(cells) + r" \\")
        out.append(r"\hline")
        out.append(r"\end{tabular}")
        out.append("")
    return "\n".join(out)


# ---- what is shown as tables ---------------------------------------------------------------


def check_digits(digits: object) -> int | None:
    """`digits` as the tables take it: None (every digit) or an int from 0 to 17."""
    if digits is None:
        return None
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise TypeError(
            f"digits must be an int (decimals shown) or None, not {type(digits).__name__} "
            f"{digits!r}"
        )
    if not 0 <= digits <= 17:
        raise ValueError(f"digits must be from 0 to 17 (decimals shown), not {digits}")
    return digits


class Shown:
    """Shown as tables, from `_tables(style)`: aligned text for print() and str(), HTML in
    notebooks, Markdown and LaTeX for slides and papers; repr() is a short summary."""

    def _tables(self, style: Style) -> list[Table]:
        raise NotImplementedError

    def _summary(self) -> str:
        raise NotImplementedError

    def tables(self, digits: int | None = None) -> list[Table]:
        """The tables, each a title, headers and rows of plain-text cells."""
        return self._tables(Style("text", check_digits(digits)))

    def text(self, digits: int | None = None) -> str:
        """The tables as aligned text (values to `digits` decimals, or all)."""
        return text(self._tables(Style("text", check_digits(digits))))

    def markdown(self, digits: int | None = None) -> str:
        """The tables as Markdown, every cell escaped."""
        return markdown(self._tables(Style("text", check_digits(digits))))

    def latex(self, digits: int | None = None) -> str:
        """The tables as LaTeX `tabular`s (labels escaped)."""
        return latex(self._tables(Style("latex", check_digits(digits))))

    def _repr_html_(self) -> str:
        return html_tables(self._tables(Style("text")))

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self._summary()


def few(items: Sequence[str], limit: int = 4, width: int = 24) -> str:
    """`a, b, c` or `a, b, c, … (40 in all)`, each item cut to `width` characters."""
    shown = [plain(s) if len(s) <= width else plain(s[: width - 1]) + "…" for s in items]
    if len(shown) <= limit:
        return ", ".join(shown)
    return ", ".join(shown[: limit - 1]) + f", … ({len(shown)} in all)"
