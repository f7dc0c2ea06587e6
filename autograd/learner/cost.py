"""How a learner's `backward()` grows with the graph: timed on chains of 125, 250, 500, … ops
(the deep chain's shape), doubling until one takes `BUDGET` seconds, and reported with its
growth ("time × 8.1 for × 2 ops: about n³", the power fitted to every chain long enough to
time). From it, `check_engine` predicts whether the deep chain can finish within its time
bound, and does not start one that cannot.

Each backward() is timed after a collection of the garbage left before it (a learner's nodes
are reference cycles through their closures; a collection of them inside the timed call would
take a graph's worth of time from another), the best of `REPEATS` where that is cheap.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from dataclasses import dataclass, field

from . import guard
from .cases import chain

# Pyodide frees a long chain of a learner's nodes on the JavaScript stack (see cases.DEEP)
SIZES = (125, 250, 500, 1000) if sys.platform == "emscripten" else (125, 250, 500, 1000, 2000, 4000)
BUDGET = 0.25  # s: no chain after one that took this long (the next is 2×–8× longer), once
# two have been timed
NOISE = 0.05  # s: a last chain faster than this has no growth worth telling: it is fast
FLOOR = 0.005  # s: a chain faster than this is left out of the fitted power
REPEATS = 3  # a chain under BUDGET is timed this many times, and its best time kept


@dataclass
class Cost:
    """The measured times of backward() on chains of `sizes` ops, and why it stopped."""

    sizes: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stopped: str = ""  # why the doubling stopped early, if it did
    late: bool = False  # the last chain ran past its time bound: its time is a lower bound

    @property
    def growth(self) -> float | None:
        """The time ratio for ×2 ops between the last two chains, if long enough to tell."""
        if len(self.seconds) < 2 or self.seconds[-1] < NOISE or self.seconds[-2] <= 0:
            return None
        return self.seconds[-1] / self.seconds[-2]

    @property
    def power(self) -> int | None:
        """n^power: the slope of log time against log ops over the chains that took at least
        `FLOOR`, as a whole power (1, 2, 3, …); None while the last chain is fast."""
        if self.growth is None:
            return None
        pts = [(math.log(n), math.log(t)) for n, t in zip(self.sizes, self.seconds) if t >= FLOOR]
        if len(pts) < 2:
            return max(1, round(math.log2(self.growth)))
        mx = sum(x for x, _ in pts) / len(pts)
        my = sum(y for _, y in pts) / len(pts)
        slope = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
        return max(1, round(slope))

    @property
    def slow(self) -> bool:
        """The last chain took `BUDGET`: long enough for a prediction to be more than noise."""
        return bool(self.seconds) and self.seconds[-1] >= BUDGET

    def predict(self, n: int) -> float | None:
        """The time for `n` ops, from the last chain and the measured growth."""
        if not self.seconds:
            return None
        power = self.power or 1
        return self.seconds[-1] * (n / self.sizes[-1]) ** power

    def words(self) -> str:
        """What was measured, in one sentence."""
        if not self.sizes:
            return f"backward() was not timed: {self.stopped}" if self.stopped else ""
        times = [f"{n:,} ops {_seconds(t)}" for n, t in zip(self.sizes, self.seconds)]
        if self.late:
            times[-1] = f"{self.sizes[-1]:,} ops more than {_seconds(self.seconds[-1])}"
        text = f"backward() on chains of {', '.join(times)}"
        g = self.growth
        if g is not None:
            more = "more than " if self.late else ""
            text += f": time × {more}{g:.1f} for × 2 ops, about {power_text(self.power or 1)}"
            text += " or more" if self.late else ""
        elif self.seconds[-1] < NOISE:
            text += ": fast"
        if self.stopped:
            text += f" ({self.stopped})"
        return text


def _seconds(t: float) -> str:
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def power_text(k: int) -> str:
    return "n" if k == 1 else "n" + "⁰¹²³⁴⁵⁶⁷⁸⁹"[k] if k < 10 else f"n^{k}"


def measure(V: type, timeout: float) -> Cost:
    """Time backward() on chains of growing size, each run bounded by `timeout`."""
    cost = Cost()
    for n in SIZES:
        best = math.inf
        for _ in range(REPEATS):
            run = guard.run(lambda n=n: _time(V, n), timeout, f"cost of {n} ops", depth=None)
            if run.late:  # its time is at least the bound: a lower bound of the growth
                cost.sizes.append(n)
                cost.seconds.append(timeout)
                cost.late = True
                if run.stuck:
                    cost.stopped = f"{n:,} ops could not be stopped"
                return cost
            if run.error is not None:
                cost.stopped = f"{n:,} ops: {run.error.text()}"
                return cost
            best = min(best, run.value)
            if best >= BUDGET:
                break
        cost.sizes.append(n)
        cost.seconds.append(best)
        if best >= BUDGET and len(cost.sizes) >= 2:  # two sizes at least: a growth to tell
            break
    return cost


def _time(V: type, n: int) -> float:
    """Seconds of one backward() on a fresh chain of n ops (the build is not timed)."""
    out, _ = chain(V, n)
    gc.collect()
    t0 = time.perf_counter()
    out.backward()
    return time.perf_counter() - t0
