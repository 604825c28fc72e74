"""Message catalogs: TOML files per language in `kiosk/locales/`.

`zh.toml` holds a language's screen texts; `zh.<part>.toml` files add more of its keys (printed
documents, spoken prompts), so each part is kept in one place. A key defined twice is an error.

The catalogs are Qt-free because the core needs them too (spoken prompts, printed receipts).
Keys are dotted paths of the TOML tables (`attract.start`); `{name}` placeholders are filled by
`str.format`. Add a language by adding a catalog with a `[meta] name` (its own name for itself).
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "zh"
T = TypeVar("T")


def catalog_languages(directory: Path = LOCALES_DIR) -> list[str]:
    """The languages the kiosk has catalogs for: every data file must speak all of them."""
    return sorted({_language(path) for path in directory.glob("*.toml")})


def _language(path: Path) -> str:
    return path.name.split(".", 1)[0]


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = str(value)
    return flat


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Catalogs:
    messages: Mapping[str, Mapping[str, str]]  # language -> key -> text

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalogs:
        messages: dict[str, dict[str, str]] = {}
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as f:
                part = _flatten(tomllib.load(f))
            texts = messages.setdefault(_language(path), {})
            twice = sorted(texts.keys() & part.keys())
            if twice:
                raise ValueError(f"{path}: {', '.join(twice)} already defined for this language")
            texts.update(part)
        if DEFAULT_LANGUAGE not in messages:
            raise FileNotFoundError(f"{directory}: no catalog for {DEFAULT_LANGUAGE!r}")
        return cls(messages)

    @property
    def languages(self) -> list[str]:
        """Language codes, the default first."""
        others = sorted(lang for lang in self.messages if lang != DEFAULT_LANGUAGE)
        return [DEFAULT_LANGUAGE, *others]

    def text(self, language: str, key: str, /, **params: object) -> str:
        template = self.messages.get(language, {}).get(key)
        if template is None:
            # A gap in a catalog must not take a screen down: show the default language.
            log.error("no %r text for %r", language, key)
            template = self.messages[DEFAULT_LANGUAGE].get(key, key)
        return template.format(**params) if params else template

    def translator(self, language: str) -> Translator:
        return Translator(self, language)


@dataclass(frozen=True)
class Translator:
    """The catalogs bound to one language: `tr("attract.start")`."""

    catalogs: Catalogs
    language: str

    def __call__(self, key: str, /, **params: object) -> str:
        return self.catalogs.text(self.language, key, **params)

    def has(self, key: str) -> bool:
        """Whether the catalogs have a text for `key` (in the default language at least)."""
        return key in self.catalogs.messages[DEFAULT_LANGUAGE]

    def pick(self, texts: Mapping[str, T]) -> T:
        """Choose from per-language texts of a data file (a service's name, say)."""
        return texts.get(self.language) or texts[DEFAULT_LANGUAGE]
