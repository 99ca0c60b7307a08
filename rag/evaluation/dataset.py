"""Eval datasets: JSON Lines per the contract; a malformed line is one clear error."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import InputError


@dataclass(frozen=True)
class Item:
    """One gold question."""

    id: str
    question: str
    answer: str = ""
    answerable: bool = True
    evidence: tuple[str, ...] = ()
    key_facts: tuple[tuple[str, ...], ...] = ()
    history: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()  # span datasets: any of these strings is right
    extra: dict[str, Any] = field(default_factory=dict)


def parse_item(obj: Any, where: str) -> Item:
    """Validate one decoded line."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}.")
    for key in ("id", "question"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise InputError(f"{where}: field {key!r} must be a non-empty string.")

    def strs(key: str) -> tuple[str, ...]:
        v = obj.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise InputError(f"{where}: field {key!r} must be a list of strings.")
        return tuple(v)

    kf = obj.get("key_facts", [])
    if not isinstance(kf, list) or not all(
        isinstance(g, list) and g and all(isinstance(x, str) for x in g) for g in kf
    ):
        raise InputError(f"{where}: field 'key_facts' must be a list of lists of strings.")
    answerable = obj.get("answerable", True)
    if not isinstance(answerable, bool):
        raise InputError(f"{where}: field 'answerable' must be true or false.")
    known = {"id", "question", "answer", "answerable", "evidence", "key_facts", "history", "answers"}
    return Item(
        id=obj["id"],
        question=obj["question"],
        answer=str(obj.get("answer", "")),
        answerable=answerable,
        evidence=strs("evidence"),
        key_facts=tuple(tuple(g) for g in kf),
        history=strs("history"),
        answers=strs("answers"),
        extra={k: v for k, v in obj.items() if k not in known},
    )


def load_dataset(path: str | Path) -> list[Item]:
    """Read a JSONL dataset; raises InputError naming the file and line of the first problem."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"No such dataset file: {p}.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Cannot read dataset {p}: {e}.") from None
    items: list[Item] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{p.name} line {n} is not valid JSON ({e.msg}).") from None
        item = parse_item(obj, f"{p.name} line {n}")
        if item.id in seen:
            raise InputError(f"{p.name} line {n}: duplicate id {item.id!r}.")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise InputError(f"Dataset {p} has no questions.")
    return items
