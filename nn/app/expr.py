"""Arithmetic expressions over named variables, built as a graph of `Value`s.

`parse("exp((2*x+3)**2)")` checks the text against an allow-list — numbers, the constants `pi`
and `e`, variables, the operators `+ - * / **`, unary `-`/`+`, parentheses and the engine's
one-argument functions —
and `Expr.evaluate({"x": 0.1})` builds it with one labelled leaf per variable, so that
`backward()` gives every ∂h/∂x. The text is read by `ast.parse` and walked as data: it is never
evaluated, executed or compiled as code. Every walk is iterative, and length, nesting and the
size of numbers are bounded, so no input can hang or crash the process:
- at most MAX_LENGTH characters;
- at most MAX_DEPTH levels of the syntax tree, a leaf counting as one level and every operation
  above it as another (so `x+x+…+x` with 201 terms is as deep as 200 nested calls: too deep);
- every number, written or computed from numbers alone (`2**10**10`), within ±MAX_NUMBER.
Parts made of numbers alone are computed once, at parse time, by the engine itself.
"""

from __future__ import annotations

import ast
import difflib
import io
import keyword
import math
import re
import tokenize
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from autograd import Value, no_grad, ops

MAX_LENGTH = 10_000
MAX_DEPTH = 200
MAX_NUMBER = 1e308
MAX_LABEL = 40  # longest sub-expression text used as a node's label
CONSTANTS = {"pi": math.pi, "e": math.e}  # names that are numbers, not variables

NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's line ends: a bare \r ends a line too
_SURROGATE = re.compile("[\ud800-\udfff]")


def functions() -> dict[str, Callable[[Value], Value]]:
    """The one-argument functions an expression may call, by name, read from the op table
    when asked (so a new entry is a new function, with no edit here): every unary entry that
    `Value` has as a method (`ops.METHODS`, with its default number if it takes one, as
    leaky_relu's slope), and `abs`."""
    table: dict[str, Callable[[Value], Value]] = {}
    for op in ops.METHODS:
        method = getattr(Value, op.name, None)
        if callable(method) and (op.param is None or op.default is not None):
            table[op.name] = method
    table[ops.ABS.name] = abs
    return table


def _allowed() -> str:
    """The allow-list in one line, for messages."""
    return "allowed: numbers, pi, e, variables, + - * / **, unary -, ( ), " + " ".join(functions())


def _lines(text: str) -> list[str]:
    """The lines of `text` as Python's tokenizer counts them."""
    return _NEWLINE.split(text)


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
# Operators outside the allow-list, by the symbol the user typed (to point the caret at it).
_OTHER_OPERATORS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}
_NODE_NAMES = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Slice: "slice",
    ast.Starred: "starred argument",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional expression",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.NamedExpr: "assignment expression (:=)",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string field",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
}


class ExprError(ValueError):
    """The text is not an allowed expression; `str()` says why and points at the offending part."""

    def __init__(
        self, reason: str, text: str, line: int = 1, col: int | None = None, end: int | None = None
    ) -> None:
        self.reason = reason
        self.text = text
        self.line = line
        self.col = col
        super().__init__(reason + _pointer(text, line, col, end))


class DomainError(ValueError):
    """The engine cannot evaluate the expression at this point (e.g. log of a negative number)."""


class BindingError(ValueError):
    """The values given for the variables do not match the expression's variables."""


def _pointer(text: str, line: int, col: int | None, end: int | None) -> str:
    """The offending line of `text` with a caret line under columns [col, end)."""
    if col is None:
        return ""
    lines = _lines(text)
    if not 1 <= line <= len(lines):
        return ""
    src = _SURROGATE.sub("\ufffd", lines[line - 1])  # one column each, printable
    end = col + 1 if end is None or end <= col else min(end, max(len(src), col + 1))
    # Long lines are cut to a window around the caret, so the pointer stays readable.
    lo = max(0, col - 60)
    hi = min(len(src), max(end, col + 1) + 60, col + 120)
    shown = ("…" if lo else "") + src[lo:hi] + ("…" if hi < len(src) else "")
    pad = col - lo + (1 if lo else 0)
    carets = "^" * max(1, min(end, hi) - col)
    where = f"line {line}, column {col + 1}" if len(lines) > 1 else f"column {col + 1}"
    return f" (at {where})\n    {shown}\n    {' ' * pad}{carets}"


@dataclass(frozen=True)
class _Op:
    """One step of the postfix program: push a number or a variable, or apply an operation."""

    kind: str  # "num", "var", "unary", "binary", "call"
    arg: object  # the float, the variable name, or the operator / function name
    col: int | None = None
    end: int | None = None
    line: int = 1


@dataclass(frozen=True)
class Expr:
    """A checked expression: its text, its variables in order of first appearance, its program."""

    text: str
    variables: tuple[str, ...]
    program: tuple[_Op, ...] = field(repr=False)

    @property
    def output_name(self) -> str:
        """The name of the result: h as in the notes' h(x), unless a variable is called h."""
        spare = (f"out{k}" for k in range(1, len(self.variables) + 2))  # one is always free
        return next(n for n in ("h", "f", "g", "y", "out", *spare) if n not in self.variables)

    def evaluate(
        self, at: Mapping[str, float], allow_unused: bool = False
    ) -> tuple[Value, dict[str, Value]]:
        """The root Value h and one labelled leaf per variable (h.backward() fills their grads)."""
        missing = [v for v in self.variables if v not in at]
        unused = [name for name in at if name not in self.variables]
        if missing:
            raise BindingError(
                "no value given for " + ", ".join(missing) + _unused(unused, missing)
            )
        if unused and not allow_unused:
            constants = [name for name in unused if name in CONSTANTS]
            raise BindingError(
                "value given for "
                + ", ".join(unused)
                + ", which the expression does not use"
                + (
                    f" ({' and '.join(constants)} "
                    + ("are constants)" if len(constants) > 1 else "is a constant)")
                    if constants
                    else ""
                )
            )
        leaves = {name: Value(float(at[name]), label=name) for name in self.variables}
        fns = functions()
        stack: list[Value | float] = []
        for op in self.program:
            if op.kind == "num":
                stack.append(op.arg)
            elif op.kind == "var":
                stack.append(leaves[op.arg])
            else:
                n = 2 if op.kind == "binary" else 1
                operands = stack[-n:]
                del stack[-n:]
                if not any(isinstance(o, Value) for o in operands):
                    # numbers that did not fold (e.g. 1/0): let the engine say why
                    operands[0] = Value(operands[0])
                try:
                    out = _apply(op, operands, fns)
                except (ValueError, ArithmeticError) as e:
                    seg = _segment(self.text, op)
                    raise DomainError(f"{e} (in `{_shorten(seg)}`)" if seg else str(e)) from e
                if isinstance(out, Value) and not out.label:
                    # Named by its own text, so drawings and the engine's messages say which
                    # part of the expression a node is; long parts stay unnamed.
                    seg = _segment(self.text, op)
                    if len(seg) <= MAX_LABEL:
                        out.label = seg
                stack.append(out)
        (h,) = stack
        if not isinstance(h, Value):
            h = Value(h)
        if h.op:
            h.label = self.output_name
        return h, leaves


def _unused(unused: list[str], missing: list[str]) -> str:
    """'; X was given, which the expression does not use (did you mean x instead of X? …)'
    for names given that the expression does not use, beside the ones it lacks."""
    if not unused:
        return ""
    pairs = []
    for name in unused:
        near = [m for m in missing if m.lower() == name.lower()]
        near = near or difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
        pairs += [(near[0], name)] if near else []
    was = "was" if len(unused) == 1 else "were"
    text = f"; {', '.join(unused)} {was} given, which the expression does not use"
    if pairs:
        guess = ", ".join(f"{meant} instead of {given}" for meant, given in pairs)
        case = any(meant.lower() == given.lower() for meant, given in pairs)
        text += f" (did you mean {guess}?{' names are case-sensitive' if case else ''})"
    return text


def _apply(
    op: _Op, operands: list, fns: Mapping[str, Callable[[Value], Value]] | None = None
) -> Value | float:
    """Apply one operation (a call through `fns`, default `functions()`); a plain number is
    folded into the engine's op, as `Value` does."""
    if op.kind == "binary":
        a, b = operands
        sym = op.arg
        if sym == "+":
            return a + b
        if sym == "-":
            return a - b
        if sym == "*":
            return a * b
        if sym == "/":
            return a / b
        return a**b
    (a,) = operands
    if op.kind == "unary":
        return -a if op.arg == "-" else a
    return (functions() if fns is None else fns)[op.arg](a)


def _fold(op: _Op, operands: list[float]) -> float | None:
    """The number an operation on numbers gives, computed by the engine; None if undefined."""
    try:
        with no_grad():
            first = Value(operands[0])
            return _apply(op, [first, *operands[1:]]).data
    except (ValueError, ArithmeticError):
        return None  # left to `evaluate`, which reports the engine's message


def _segment(text: str, op: _Op) -> str:
    """The text of the part of the expression that `op` computes."""
    if op.col is None or op.end is None:
        return ""
    lines = _lines(text)
    return lines[op.line - 1][op.col : op.end] if op.line <= len(lines) else ""


def _shorten(seg: str) -> str:
    return seg if len(seg) <= 80 else seg[:77] + "..."


class _Positions:
    """ast gives UTF-8 byte columns; these turn them into character columns of `text`."""

    def __init__(self, text: str, line_shift: int, col_shift: int) -> None:
        self.lines = _lines(text)
        self.line_shift = line_shift
        self.col_shift = col_shift

    def char_col(self, line: int, byte_col: int) -> int:
        src = self.lines[line - 1] if 1 <= line <= len(self.lines) else ""
        return len(src.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def of(self, node: ast.AST) -> tuple[int, int | None, int | None]:
        """(line, col, end) of `node` in the original text, in characters."""
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            return 1, None, None
        shift = self.col_shift if lineno == 1 else 0
        line = lineno + self.line_shift
        col = self.char_col(line, node.col_offset + shift)
        end = None
        if getattr(node, "end_lineno", None) == lineno and node.end_col_offset is not None:
            end = self.char_col(line, node.end_col_offset + shift)
        return line, col, end


def parse(text: str) -> Expr:
    """Check `text` against the allow-list and turn it into an `Expr`; `ExprError` if it is not."""
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}", text
        )
    if not text.strip():
        raise ExprError("expression is empty", text)
    _check_characters(text)
    # ast.parse rejects leading whitespace in eval mode; strip it and shift the columns back.
    body = text.lstrip(" \t\r\n\f")
    skipped = _lines(text[: len(text) - len(body)])
    line_shift = len(skipped) - 1
    col_shift = len(skipped[-1])
    pos = _Positions(text, line_shift, col_shift)
    try:
        with warnings.catch_warnings():  # e.g. SyntaxWarning "invalid decimal literal" for 1or 2
            warnings.simplefilter("ignore")
            tree = ast.parse(body, mode="eval")
    except SyntaxError as e:
        line = (e.lineno or 1) + line_shift
        col = None
        if e.offset is not None:
            col = max(0, e.offset - 1) + (col_shift if e.lineno == 1 else 0)
        juxtaposed = _number_then_name(text, line, col)
        if juxtaposed is not None:
            raise ExprError(juxtaposed[0], text, line, *juxtaposed[1:]) from None
        raise ExprError(_syntax_reason(e.msg), text, line, col) from None
    except (RecursionError, MemoryError):
        # Python's parser also runs out of stack on long flat mistakes such as `x x x …`
        where = _operands_in_a_row(text)
        if where is not None:
            raise ExprError(_syntax_reason(_COMMA_HINT), text, *where) from None
        raise ExprError(f"expression is nested deeper than {MAX_DEPTH} levels", text) from None
    except ValueError as e:
        raise ExprError(f"invalid expression: {e}", text) from None
    variables = _check(tree.body, text, pos)
    program = _lower(tree.body, text, pos)
    return Expr(text, variables, program)


_COMMA_HINT = "invalid syntax. Perhaps you forgot a comma?"


def _syntax_reason(msg: str) -> str:
    """Python's SyntaxError message as one clear reason, saying "invalid syntax" once."""
    if msg == _COMMA_HINT:  # no commas here: what is missing between two operands is an operator
        return "invalid syntax: two operands in a row; is an operator such as * missing?"
    rest = msg.removeprefix("invalid syntax").lstrip(".:; ")
    return f"invalid syntax: {rest}" if rest else "invalid syntax"


_NUMBER_NAME = re.compile(
    r"(?<![\w.])(\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d[\d_]*)?)([A-Za-z][A-Za-z0-9_]*)"
)


def _number_then_name(text: str, line: int, col: int | None) -> tuple[str, int, int] | None:
    """(reason, col, end) for a number written against a name, `2x` for `2*x`: Python calls
    it an "invalid decimal literal" and points into the number."""
    lines = _lines(text)
    if col is None or not 1 <= line <= len(lines):
        return None
    for m in _NUMBER_NAME.finditer(lines[line - 1]):
        if m.start() <= col < m.end():
            number, name = m.groups()
            return (
                f"a number directly followed by a name: to multiply, write {number}*{name}",
                m.start(),
                m.end(),
            )
    return None


def _operands_in_a_row(text: str) -> tuple[int, int] | None:
    """(line, column) of the first operand that directly follows another (`x y`), if any."""
    after_operand = False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            operand = tok.type in (tokenize.NAME, tokenize.NUMBER) and not keyword.iskeyword(
                tok.string
            )
            if operand and after_operand:
                return tok.start
            after_operand = operand or tok.string == ")"
    except (tokenize.TokenError, SyntaxError):
        pass
    return None


def _check_characters(text: str) -> None:
    """Reject NUL characters, bytes that are not UTF-8 (surrogate-escaped, as in sys.argv) and
    bracket nesting beyond MAX_DEPTH, before the parser sees them."""
    depth = 0
    for line, src in enumerate(_lines(text), start=1):
        for col, ch in enumerate(src):
            if ch in "([{":
                depth += 1
                if depth > MAX_DEPTH:
                    reason = f"expression is nested deeper than {MAX_DEPTH} levels"
                    raise ExprError(reason, text, line, col)
            elif ch in ")]}":
                depth -= 1
            elif ch == "\0":
                raise ExprError("expression contains a NUL character", text, line, col)
            elif "\ud800" <= ch <= "\udfff":
                code = ord(ch)
                what = (
                    f"byte 0x{code - 0xDC00:02x}, which is not UTF-8 text"
                    if 0xDC80 <= code <= 0xDCFF  # how Python passes an undecodable byte
                    else f"U+{code:04X}, a lone surrogate, which is not a character"
                )
                raise ExprError(f"expression contains {what}", text, line, col)


def _check(root: ast.expr, text: str, pos: _Positions) -> tuple[str, ...]:
    """Walk the tree (iteratively, left to right) and return its variables in order of use."""
    checker = _Checker(text, pos)
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            line, col, _ = pos.of(node)
            reason = f"expression is nested deeper than {MAX_DEPTH} levels"
            raise ExprError(reason, text, line, col)
        children = checker.children(node)
        stack.extend((child, depth + 1) for child in reversed(children))
    return tuple(checker.variables)


class _Checker:
    """One step of `_check` per kind of node: each checks a node against the allow-list and
    returns the children to check next, or raises ExprError pointing at the node."""

    def __init__(self, text: str, pos: _Positions) -> None:
        self.text = text
        self.pos = pos
        self.functions = functions()
        self.variables: dict[str, None] = {}  # in order of first use

    def reject(self, reason: str, node: ast.AST) -> ExprError:
        line, col, end = self.pos.of(node)
        return ExprError(reason, self.text, line, col, end)

    def children(self, node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Constant):
            _check_number(node, self.reject)
            return []
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        t = type(node)
        what = _NODE_NAMES.get(t, f"{t.__name__} expression")
        raise self.reject(f"{what} is not allowed ({_allowed()})", node)

    def binary(self, node: ast.BinOp) -> list[ast.AST]:
        if type(node.op) not in _BINARY:
            raise _operator_error(node, self.text, self.pos)
        return [node.left, node.right]

    def unary(self, node: ast.UnaryOp) -> list[ast.AST]:
        if type(node.op) not in _UNARY:
            raise _operator_error(node, self.text, self.pos)
        return [node.operand]

    def name(self, node: ast.Name) -> list[ast.AST]:
        name = node.id
        if not NAME.fullmatch(name):
            raise self.reject(
                f"name {name!r} is not allowed: a variable is letters and digits, "
                "starting with a letter (no underscores)",
                node,
            )
        if name in self.functions:
            raise self.reject(f"{name!r} is a function: call it as {name}(...)", node)
        if name not in CONSTANTS:
            self.variables.setdefault(name)
        return []

    def call(self, node: ast.Call) -> list[ast.AST]:
        func = node.func
        known = " ".join(self.functions)
        if type(func) is not ast.Name:
            line, col, end = self.pos.of(node)
            seg = _lines(self.text)[line - 1][col:end] if col is not None else "this"
            raise self.reject(
                f"call of `{seg[:60]}` is not allowed; only these functions can be called: {known}",
                node,
            )
        if func.id not in self.functions:
            raise self.reject(
                f"function {func.id!r} is not allowed; the functions are: {known}", func
            )
        if node.keywords:
            raise self.reject(f"{func.id}() takes no keyword arguments", node.keywords[0])
        n = len(node.args)
        if n != 1:
            raise self.reject(f"{func.id}() takes exactly one argument ({n} given)", node)
        return [node.args[0]]


def _check_number(node: ast.Constant, reject: Callable[[str, ast.AST], ExprError]) -> None:
    v = node.value
    if type(v) is int:
        if abs(v) > MAX_NUMBER:  # exact int/float comparison, no conversion of a huge int
            raise reject(f"number is larger than {MAX_NUMBER:g}", node)
    elif type(v) is float:
        if not abs(v) <= MAX_NUMBER:
            raise reject(f"number is larger than {MAX_NUMBER:g}", node)
    else:
        kind = {str: "string ", bytes: "bytes ", bool: "boolean ", complex: "complex number "}
        what = kind.get(type(v), "") + f"{v!r:.40}"
        raise reject(f"{what} is not allowed ({_allowed()})", node)


def _operator_error(node: ast.AST, text: str, pos: _Positions) -> ExprError:
    """Point at the operator itself: `x // y` gets its caret under `//`."""
    sym = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
    reason = f"operator `{sym}` is not allowed; the operators are + - * / ** and unary -"
    line, col, end = pos.of(node)
    if type(node) is ast.BinOp:
        l_line, _, l_end = pos.of(node.left)
        r_line, r_col, _ = pos.of(node.right)
        if l_line == r_line == line and l_end is not None and r_col is not None:
            gap = _lines(text)[line - 1][l_end:r_col]
            i = gap.find(sym)
            if i >= 0:
                return ExprError(reason, text, line, l_end + i, l_end + i + len(sym))
    else:
        end = None if col is None else col + len(sym)
    return ExprError(reason, text, line, col, end)


def _lower(root: ast.expr, text: str, pos: _Positions) -> tuple[_Op, ...]:
    """The checked tree as a postfix program, with operations on numbers alone done now.

    A folded number must stay within ±MAX_NUMBER, so `9**9**9**9` is rejected here instead
    of becoming inf; an undefined one (`log(-1)`) is left for `evaluate` to report.
    """
    program: list[_Op] = []
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        t = type(node)
        line, col, end = pos.of(node)
        if t is ast.Constant:
            program.append(_Op("num", float(node.value), col, end, line))
            continue
        if t is ast.Name:
            if node.id in CONSTANTS:
                program.append(_Op("num", CONSTANTS[node.id], col, end, line))
            else:
                program.append(_Op("var", node.id, col, end, line))
            continue
        if t is ast.BinOp:
            children = [node.left, node.right]
            op = _Op("binary", _BINARY[type(node.op)], col, end, line)
        elif t is ast.UnaryOp:
            children = [node.operand]
            op = _Op("unary", _UNARY[type(node.op)], col, end, line)
        else:  # a checked Call
            children = [node.args[0]]
            op = _Op("call", node.func.id, col, end, line)
        if not expanded:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children))
            continue
        n = len(children)
        operands = program[-n:]
        if all(o.kind == "num" for o in operands):
            folded = _fold(op, [o.arg for o in operands])
            if folded is not None:
                if not abs(folded) <= MAX_NUMBER:
                    raise ExprError(
                        f"this part evaluates to {folded!r}: numbers in an expression must stay "
                        f"within ±{MAX_NUMBER:g}",
                        text,
                        line,
                        col,
                        end,
                    )
                del program[-n:]
                program.append(_Op("num", folded, col, end, line))
                continue
        program.append(op)
    return tuple(program)


def evaluate(text: str, at: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """`parse(text).evaluate(at)`: the root Value and the labelled leaf of each variable."""
    return parse(text).evaluate(at)


def gradients(text: str, at: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """h and {variable: ∂h/∂variable} at the point `at`, by one backward pass."""
    h, leaves = evaluate(text, at)
    h.backward()
    return h.data, {name: leaf.grad for name, leaf in leaves.items()}


# ---- procedures: `u = w*t; y1 = nu*u/(g - u); y2 = g*y1` -----------------------------------
#
# Statements `name = expression`, separated by `;` or new lines, each expression checked by the
# same allow-list as above. A name read before any statement assigns it is an input; reading a
# name that a later statement assigns is an error, as is assigning to anything but a plain name.

_AUGMENTED = {"+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<="}
_STATEMENT_NAMES = {
    ast.Import: "import statement",
    ast.ImportFrom: "import statement",
    ast.FunctionDef: "function definition",
    ast.AsyncFunctionDef: "function definition",
    ast.ClassDef: "class definition",
    ast.For: "for loop",
    ast.AsyncFor: "for loop",
    ast.While: "while loop",
    ast.If: "if statement",
    ast.With: "with statement",
    ast.AsyncWith: "with statement",
    ast.Try: "try statement",
    ast.Return: "return statement",
    ast.Delete: "del statement",
    ast.Global: "global statement",
    ast.Nonlocal: "nonlocal statement",
    ast.Raise: "raise statement",
    ast.Assert: "assert statement",
    ast.Pass: "pass statement",
    ast.Break: "break statement",
    ast.Continue: "continue statement",
    ast.Match: "match statement",
}
_PROCEDURE = "a procedure is assignments `name = expression`, separated by ; or new lines"


def is_procedure(text: str) -> bool:
    """Does `text` read as statements (an `=`, a `;`, or two lines of code) rather than as one
    expression? Text that does not tokenize is left to the expression parser's errors."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return False
    lines = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and (tok.string in ("=", ";") or tok.string in _AUGMENTED):
                return True
            if tok.type == tokenize.NEWLINE:
                lines += 1
            elif lines and tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
                return True  # code after the end of the first line
    except (tokenize.TokenError, SyntaxError):
        pass
    return False


@dataclass(frozen=True)
class Statement:
    """`target = expression`: the expression's text and its checked postfix program."""

    target: str
    text: str
    program: tuple[_Op, ...] = field(repr=False)


@dataclass(frozen=True)
class Procedure:
    """A checked procedure: its text, its inputs (names read before any assignment, in order of
    first use), the names it assigns (in order) and its statements."""

    text: str
    variables: tuple[str, ...]
    assigned: tuple[str, ...]
    statements: tuple[Statement, ...] = field(repr=False)

    def run(self, inputs: Mapping[str, Value]) -> dict[str, Value | float]:
        """Every name after the last statement, from the inputs' Values (one per variable)."""
        missing = [v for v in self.variables if v not in inputs]
        if missing:
            raise BindingError("no value given for " + ", ".join(missing))
        env: dict[str, Value | float] = dict(inputs)
        fns = functions()
        for st in self.statements:
            env[st.target] = _run_statement(self.text, st, env, fns)
        return env

    def statement(self, name: str) -> Statement:
        """The last statement that assigns `name`."""
        return next(st for st in reversed(self.statements) if st.target == name)


def _run_statement(
    text: str,
    st: Statement,
    env: Mapping[str, Value | float],
    fns: Mapping[str, Callable[[Value], Value]],
) -> Value | float:
    """One statement's value: its program on a stack, as `Expr.evaluate` runs an expression;
    its new nodes named by their text, the statement's own result by its target."""
    stack: list[Value | float] = []
    made: set[int] = set()
    for op in st.program:
        if op.kind == "num":
            stack.append(op.arg)
        elif op.kind == "var":
            stack.append(env[op.arg])
        else:
            n = 2 if op.kind == "binary" else 1
            operands = stack[-n:]
            del stack[-n:]
            if not any(isinstance(o, Value) for o in operands):
                operands[0] = Value(operands[0])  # numbers that did not fold: the engine says why
            try:
                out = _apply(op, operands, fns)
            except (ValueError, ArithmeticError) as e:
                seg = _segment(text, op)
                raise DomainError(f"{e} (in `{_shorten(seg)}`)" if seg else str(e)) from e
            if isinstance(out, Value) and not out.label:
                seg = _segment(text, op)
                if len(seg) <= MAX_LABEL:
                    out.label = seg
                made.add(id(out))
            stack.append(out)
    (result,) = stack
    if isinstance(result, Value) and id(result) in made:
        result.label = st.target
    return result


def parse_procedure(text: str) -> Procedure:
    """Check `text` as a procedure and turn it into a `Procedure`; `ExprError` (with a caret
    under the offending part) if it is not one."""
    if not isinstance(text, str):
        raise TypeError(f"procedure must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"procedure is {len(text)} characters long; the limit is {MAX_LENGTH}", text
        )
    if not text.strip():
        raise ExprError("procedure is empty", text)
    _check_characters(text)
    # Statements cannot be indented in Python, but a procedure typed over several lines often
    # is: every line's leading blanks go, and the columns are shifted back line by line.
    lines = _lines(text)
    body = "\n".join(line.lstrip(" \t\f") for line in lines)
    pos = _IndentedPositions(text, [len(line) - len(line.lstrip(" \t\f")) for line in lines])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(body, mode="exec")
    except SyntaxError as e:
        line = e.lineno or 1
        col = None
        if e.offset is not None and 1 <= line <= len(lines):
            col = max(0, e.offset - 1) + pos.shifts[line - 1]
        raise ExprError(_syntax_reason(e.msg), text, line, col) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"procedure is nested deeper than {MAX_DEPTH} levels", text) from None
    except ValueError as e:
        raise ExprError(f"invalid procedure: {e}", text) from None

    def reject(reason: str, node: ast.AST) -> ExprError:
        line, col, end = pos.of(node)
        return ExprError(reason, text, line, col, end)

    assignments = [_target(stmt, reject) for stmt in tree.body]
    later = {target for _, target in assignments}
    assigned: dict[str, None] = {}
    variables: dict[str, None] = {}
    statements = []
    for stmt, target in assignments:
        _check(stmt.value, text, pos)
        for use in _names_read(stmt.value):
            name = use.id
            if name in CONSTANTS or name in assigned:
                continue
            if name in later:
                raise reject(
                    f"{name} is used before it is assigned; a name is either an input (never "
                    "assigned) or assigned before it is used",
                    use,
                )
            variables.setdefault(name)
        source = ast.get_source_segment(body, stmt.value) or target
        statements.append(Statement(target, source, _lower(stmt.value, text, pos)))
        assigned.setdefault(target)
    return Procedure(text, tuple(variables), tuple(assigned), tuple(statements))


class _IndentedPositions(_Positions):
    """Positions in a text whose lines were each stripped of `shifts[k]` leading blanks."""

    def __init__(self, text: str, shifts: list[int]) -> None:
        super().__init__(text, 0, 0)
        self.shifts = shifts

    def of(self, node: ast.AST) -> tuple[int, int | None, int | None]:
        lineno = getattr(node, "lineno", None)
        if lineno is None or not 1 <= lineno <= len(self.shifts):
            return 1, None, None
        shift = self.shifts[lineno - 1]  # blanks are one byte each
        col = self.char_col(lineno, node.col_offset + shift)
        end = None
        if getattr(node, "end_lineno", None) == lineno and node.end_col_offset is not None:
            end = self.char_col(lineno, node.end_col_offset + shift)
        return lineno, col, end


def _target(stmt: ast.stmt, reject: Callable[[str, ast.AST], ExprError]) -> tuple[ast.Assign, str]:
    """The statement as an assignment and the name it assigns, or the error saying why it is not
    an allowed statement."""
    if type(stmt) is ast.AugAssign:
        sym = _BINARY.get(type(stmt.op)) or _OTHER_OPERATORS.get(type(stmt.op), "?")
        name = stmt.target.id if type(stmt.target) is ast.Name else "x"
        raise reject(
            f"augmented assignment `{sym}=` is not allowed: write `{name} = {name} {sym} …` "
            f"({_PROCEDURE})",
            stmt,
        )
    if type(stmt) is ast.AnnAssign:
        raise reject(f"annotated assignment is not allowed ({_PROCEDURE})", stmt)
    if type(stmt) is ast.Expr:
        raise reject(f"this statement is not an assignment: write `name = …` ({_PROCEDURE})", stmt)
    if type(stmt) is not ast.Assign:
        what = _STATEMENT_NAMES.get(type(stmt), f"{type(stmt).__name__} statement")
        raise reject(f"{what} is not allowed ({_PROCEDURE})", stmt)
    if len(stmt.targets) != 1:
        raise reject("one name per assignment: `a = b = …` is not allowed", stmt.targets[1])
    target = stmt.targets[0]
    if type(target) is not ast.Name:
        what = {
            ast.Attribute: "an attribute",
            ast.Subscript: "a subscript",
            ast.Tuple: "several names at once",
            ast.List: "several names at once",
            ast.Starred: "a starred name",
        }.get(type(target), "this")
        raise reject(f"assignment to {what} is not allowed: assign to a plain name", target)
    name = target.id
    if not NAME.fullmatch(name):
        raise reject(
            f"name {name!r} is not allowed: a variable is letters and digits, starting with a "
            "letter (no underscores)",
            target,
        )
    if name in functions():
        raise reject(f"{name!r} is a function: it cannot be assigned", target)
    if name in CONSTANTS:
        raise reject(f"{name!r} is a constant: it cannot be assigned", target)
    return stmt, name


def _names_read(root: ast.expr) -> list[ast.Name]:
    """The names an expression reads, in the order they are written (an iterative walk)."""
    nodes = list(ast.walk(root))
    called = {id(n.func) for n in nodes if type(n) is ast.Call}
    found = [n for n in nodes if type(n) is ast.Name and id(n) not in called]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))
