"""Where the shipped data lives: ``rubrics/`` and ``prompts/``.

In a checkout (and an editable install) they are the top-level folders; a wheel ships them inside
the package as ``coach/_data/`` (see pyproject.toml), so a non-editable install finds them too.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` ("rubrics" or "prompts"), from the checkout or from the installed package."""
    for candidate in (_PACKAGE_DIR.parent / name, _PACKAGE_DIR / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"coach's {name}/ folder is missing from this installation")
