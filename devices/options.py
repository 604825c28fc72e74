"""Reading a device's options (its TOML table) strictly: a wrong type, a value out of range or
an unknown name raises `ValueError("option NAME: what is wrong")`, which the composition root
reports as a configuration error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, cast

T = TypeVar("T", str, int)


class Options:
    def __init__(self, given: Mapping[str, object]) -> None:
        self._given = dict(given)
        self._read: set[str] = set()

    def choice(self, name: str, allowed: Sequence[T], default: T) -> T:
        value = self._get(name, default)
        if value not in allowed or type(value) is not type(default):
            raise ValueError(f"option {name}: {value!r} is not one of {list(allowed)}")
        return cast(T, value)

    def integer(self, name: str, default: int, bounds: tuple[int, int]) -> int:
        value = self._get(name, default)
        low, high = bounds
        if type(value) is not int or not low <= value <= high:
            raise ValueError(f"option {name}: {value!r} is not a whole number in {low}..{high}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise ValueError(f"option {name}: {value!r} is not true or false")
        return value

    def number(self, name: str, default: float, bounds: tuple[float, float]) -> float:
        """A number (seconds, a ratio): a TOML integer or float within `bounds`."""
        value = self._get(name, default)
        low, high = bounds
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"option {name}: {value!r} is not a number")
        if not low <= value <= high:
            raise ValueError(f"option {name}: {value!r} is outside {low:g}..{high:g}")
        return float(value)

    def text(self, name: str, default: str, forbidden: str = "") -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise ValueError(f"option {name}: {value!r} is not a string")
        if any(character in value for character in forbidden):
            raise ValueError(f"option {name}: must not contain {forbidden!r}, got {value!r}")
        return value

    def texts(self, name: str, default: Sequence[str]) -> list[str]:
        value = self._get(name, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"option {name}: {value!r} is not a list of strings")
        return value

    def reject_unknown(self) -> None:
        unknown = sorted(set(self._given) - self._read)
        if unknown:
            raise ValueError(
                f"option {unknown[0]}: unknown (known: {', '.join(sorted(self._read))})"
            )

    def _get(self, name: str, default: object) -> object:
        self._read.add(name)
        return self._given.get(name, default)
