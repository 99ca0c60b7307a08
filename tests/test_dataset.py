import json
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.evaluation.dataset import load_dataset
from rag.text import fold
from tests.conftest import GOLD, SEED


def test_gold_set_evidence_is_in_the_article() -> None:
    text = fold(SEED.read_text(encoding="utf-8"))
    items = load_dataset(GOLD)
    for it in items:
        for ev in it.evidence:
            assert fold(ev) in text, f"{it.id}: evidence not in article: {ev!r}"
        if it.answerable:
            assert it.evidence, f"{it.id}: answerable item without evidence"


def test_gold_set_shape() -> None:
    items = load_dataset(GOLD)
    assert sum(i.answerable for i in items) >= 40
    assert sum(not i.answerable for i in items) >= 10
    assert sum(bool(i.history) for i in items) >= 5


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2 is not valid JSON"),
        ('{"id": "x"}', "'question' must be a non-empty string"),
        ('{"id": "b", "question": "q?", "evidence": "oops"}', "'evidence' must be a list"),
        ('{"id": "a", "question": "dup?"}', "duplicate id"),
        ('{"id": "c", "question": "q?", "answerable": "yes"}', "'answerable' must be true or false"),
    ],
)
def test_malformed_lines_named(tmp_path: Path, line: str, message: str) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"id": "a", "question": "ok?"}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_dataset(p)


def test_unknown_fields_kept(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"id": "a", "question": "ok?", "topic": "x"}) + "\n", encoding="utf-8")
    assert load_dataset(p)[0].extra == {"topic": "x"}
