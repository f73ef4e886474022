"""User-facing text in Chinese (the default) with English available.

Text is written where it is used, both languages side by side: `tr("完好率", "intact rate")`.
The language comes from `set_language()` (the CLI sets it from `--lang`, `VMON_LANG` or the
configuration's `language`).
"""

from __future__ import annotations

import os
from typing import Literal

__all__ = ["Language", "get_language", "set_language", "tr"]

Language = Literal["zh", "en"]

_language: Language = "en" if os.environ.get("VMON_LANG", "").lower().startswith("en") else "zh"


def set_language(language: str) -> None:
    """Choose the language of user-facing text: `zh` or `en`."""
    global _language  # noqa: PLW0603  (one process-wide UI language, like gettext's)
    _language = "en" if language.lower().startswith("en") else "zh"


def get_language() -> Language:
    """The current UI language."""
    return _language


def tr(zh: str, en: str) -> str:
    """The text in the current language."""
    return en if _language == "en" else zh
