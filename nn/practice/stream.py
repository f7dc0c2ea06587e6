"""A seeded stream of numbers that is the same on every platform and every Python version.

Exercises must come out identical from their seed under CPython and Pyodide, today and later.
`random.Random` keeps its integer stream, but its float methods (`gauss`, `uniform` with
`random()`) go through the platform's libm or have changed between versions, so this stream uses
integer arithmetic only: splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014, with the constants of Vigna's reference code), and numbers that are
whole tenths, k/10, a division IEEE rounds the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
T = TypeVar("T")


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class Stream:
    """splitmix64 from `seed` (any int; more ints in `salt` give independent streams, e.g. one
    per exercise of a set)."""

    __slots__ = ("state",)

    def __init__(self, seed: int, *salt: int) -> None:
        for s in (seed, *salt):
            if isinstance(s, bool) or not isinstance(s, int):
                raise TypeError(f"a seed must be an int, not {type(s).__name__}: {s!r}")
        state = seed & MASK
        for s in salt:
            state = _mix((state + GOLDEN + (s & MASK)) & MASK)
        self.state = state

    def next64(self) -> int:
        """The next 64-bit integer."""
        self.state = (self.state + GOLDEN) & MASK
        return _mix(self.state)

    def below(self, n: int) -> int:
        """An integer in 0..n−1, each equally likely (rejection sampling, no modulo bias)."""
        if n < 1:
            raise ValueError(f"below needs n ≥ 1, not {n}")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            r = self.next64()
            if r < limit:
                return r % n

    def integer(self, lo: int, hi: int) -> int:
        """An integer in lo..hi, both included."""
        return lo + self.below(hi - lo + 1)

    def choice(self, items: Sequence[T]) -> T:
        """One of `items`."""
        return items[self.below(len(items))]

    def tenths(self, lo: float, hi: float, nonzero: bool = True) -> float:
        """A number k/10 in [lo, hi] (not 0 unless `nonzero` is False)."""
        a, b = round(lo * 10), round(hi * 10)
        while True:
            k = self.integer(a, b)
            if k or not nonzero:
                return k / 10


__all__ = ["Stream"]
