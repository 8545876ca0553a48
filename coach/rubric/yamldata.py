"""YAML data files (rubrics, the question bank) → validated pydantic models, with errors that name
the file, the field and the problem (one :class:`RubricError`, exit code 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coach.errors import RubricError

ModelT = TypeVar("ModelT", bound=BaseModel)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: Path) -> str:
    source = str(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubricError(source, "file not found") from None
    except UnicodeDecodeError as exc:
        raise RubricError(source, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise RubricError(source, f"cannot be read ({exc.strerror})") from exc


class _UniqueKeyLoader(_LOADER):  # type: ignore[misc,valid-type]  # yaml has no type stubs here
    """A safe loader (libyaml's when installed: 10x faster), but a key given twice in one mapping is an error: YAML's own rule, which
    PyYAML does not enforce (the second value would silently replace the first)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: SafeLoader reports it below
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[object, object] = super().construct_mapping(node, deep=deep)
        return mapping


def parse_model(raw: str, source: str, model: type[ModelT], expected: str) -> ModelT:
    """Parse YAML text into ``model``; ``expected`` describes the top-level mapping for the error."""
    try:
        data = yaml.load(raw, Loader=_UniqueKeyLoader)  # noqa: S506 - a safe loader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RubricError(source, f"{where}invalid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise RubricError(source, f"expected a mapping with {expected}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = field_path(data, error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise RubricError(source, message, field) from exc


def field_path(data: object, loc: tuple[int | str, ...]) -> str:
    """pydantic's location as a readable path, naming list items by their id: components[task].weight."""
    parts: list[str] = []
    node: object = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            item_id = node.get("id") if isinstance(node, dict) else None
            label = f"[{item_id or key}]"
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)
