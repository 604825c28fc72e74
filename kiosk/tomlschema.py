"""Reading TOML data files with precise errors: which file, which key, what is wrong.

Shared by the kiosk config and the service catalog. Unknown keys are errors: a misspelt key
silently ignored would leave a kiosk running on a default nobody chose.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kiosk.i18n import catalog_languages

T = TypeVar("T")


class ConfigError(Exception):
    def __init__(self, file: Path | str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = str(file), key, problem
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        super().__init__(where + problem)


class TomlTable:
    """One TOML table being read: typed getters that know their dotted path."""

    def __init__(self, file: Path, data: Mapping[str, Any], path: str = "") -> None:
        self.file, self.data, self.path = file, data, path
        self._read: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, self._key(key), problem)

    def get(
        self,
        key: str,
        kind: type[T] | tuple[type, ...],
        default: Any = ...,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        self._read.add(key)
        if key not in self.data:
            if default is ...:
                raise self.error(key, "missing")
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML integers are fine where a number is asked for; booleans are not numbers here.
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(_type_name(k) for k in kinds)
            raise self.error(key, f"must be {names}, not {_type_name(type(value))} {value!r}")
        if check is not None and (problem := check(value)):
            raise self.error(key, problem)
        return value

    def table(self, key: str, required: bool = True) -> TomlTable:
        value = self.get(key, dict, default=... if required else {})
        return TomlTable(self.file, value, self._key(key))

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            known = ", ".join(sorted(self._read))
            raise self.error(unknown[0], f"unknown key (expected one of: {known})")


def _type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        dict: "a table",
        list: "a list",
    }.get(kind, kind.__name__)


def positive(value: float) -> str | None:
    return None if value > 0 else "must be greater than 0"


def one_of(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}; got {value!r}"

    return check


def non_empty(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def local_texts(table: TomlTable, key: str) -> dict[str, str]:
    """A text in every language the kiosk speaks: `{ zh = "…", en = "…" }`."""
    return _in_every_language(table, key, lambda t, lang: t.get(lang, str, check=non_empty))


def local_lists(table: TomlTable, key: str) -> dict[str, tuple[str, ...]]:
    """A list of texts in every language: `{ zh = ["…"], en = ["…"] }`."""

    def read(texts: TomlTable, lang: str) -> tuple[str, ...]:
        items = texts.get(lang, list)
        if not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise texts.error(lang, "must be a non-empty list of non-empty strings")
        return tuple(items)

    return _in_every_language(table, key, read)


def _in_every_language(
    table: TomlTable, key: str, read: Callable[[TomlTable, str], T]
) -> dict[str, T]:
    texts = table.table(key)
    values = {lang: read(texts, lang) for lang in catalog_languages()}
    texts.finish()  # a language without a catalog is most likely a typo ("eng")
    return values


def load_toml(path: Path) -> TomlTable:
    try:
        with path.open("rb") as f:
            return TomlTable(path, tomllib.load(f))
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except OSError as e:
        raise ConfigError(path, "", f"cannot be read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "", f"is not valid TOML: {e}") from None
