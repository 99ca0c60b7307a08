"""The whole pipeline on the hash embedder and a real Chroma on disk (fast: no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import IndexMismatchError, InputError
from rag.loading import article_from_text
from rag.pipeline import Engine
from rag.types import CANNOT_ANSWER
from tests.conftest import SEED, SEED_NAME

STORY = """Harbour Report

The new harbour bridge opened on Monday after six years of construction.

Engineer Priya Nair, the project lead at Coastline Builders, said the bridge can carry 40,000 vehicles a day.

“The steel came from three countries. We finished under budget,” Nair said.

The mayor plans a ferry service for the eastern islands next spring.
"""


def _units(engine: Engine) -> int:
    engine.store._open()
    return int(engine.store._units._collection.count())


def test_ingest_is_idempotent(fake_engine: Engine) -> None:
    r1 = fake_engine.ingest(SEED)
    n = _units(fake_engine)
    r2 = fake_engine.ingest(SEED)
    assert r1.changed and not r2.changed
    assert _units(fake_engine) == n > 0
    assert [a.name for a in fake_engine.articles()] == [SEED_NAME]


def test_answer_cites_exact_offsets(fake_engine: Engine) -> None:
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    ans = fake_engine.answer("How many vehicles can the bridge carry a day?")
    assert not ans.refused
    assert "40,000" in ans.text
    text = fake_engine.store.get("harbour")[0].text
    for c in ans.citations:
        assert text[c.start : c.end] == c.text
        assert text[c.quote_start : c.quote_end] == c.quote
        assert c.start <= c.quote_start < c.quote_end <= c.end
        assert f"[{c.n}]" in ans.text
    assert set(ans.timings_ms) == {"retrieve", "answer", "total"}


def test_declines_when_article_is_silent(fake_engine: Engine) -> None:
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    ans = fake_engine.answer("What is the population of Uzbekistan?")
    assert ans.refused and ans.text == CANNOT_ANSWER and ans.citations == []


def test_new_version_replaces_old(fake_engine: Engine) -> None:
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    fake_engine.ingest(article_from_text(STORY.replace("40,000", "55,000"), "harbour"))
    ans = fake_engine.answer("How many vehicles can the bridge carry a day?")
    assert "55,000" in ans.text
    got = fake_engine.store._units._collection.get(include=["metadatas"])
    shas = {m["sha"] for m in got["metadatas"]}
    assert shas == {fake_engine.store.get("harbour")[0].sha256}


def test_follow_up_uses_history(fake_engine: Engine) -> None:
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    ans = fake_engine.answer("Where does she work?", history=["Who is Priya Nair?"])
    assert ans.standalone_question == "Where does Priya Nair work?"
    assert "Coastline Builders" in " ".join(c.text for c in ans.citations)


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Please type a question"), ("   ", "Please type a question"), ("x" * 10_000, "10,000 characters")],
)
def test_bad_questions(fake_engine: Engine, question: str, message: str) -> None:
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    with pytest.raises(InputError, match=message):
        fake_engine.answer(question)


def test_unknown_and_ambiguous_articles(fake_engine: Engine) -> None:
    with pytest.raises(InputError, match="library is empty"):
        fake_engine.answer("Anything?")
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    fake_engine.ingest(SEED)
    with pytest.raises(InputError, match="choose one with --article"):
        fake_engine.answer("Anything?")
    with pytest.raises(InputError, match="No article named 'nope'"):
        fake_engine.answer("Anything?", "nope")
    ans = fake_engine.answer("How many vehicles can the bridge carry?", "all")
    assert ans.citations and ans.citations[0].article == "harbour"


def test_mismatched_embedder_is_refused(tmp_path: Path) -> None:
    Engine(Settings(index_dir=tmp_path / "i", embedder="hash-256")).ingest(SEED)
    other = Engine(Settings(index_dir=tmp_path / "i", embedder="hash-128"))
    with pytest.raises(IndexMismatchError, match="rag reindex"):
        other.articles()


def test_remove(fake_engine: Engine) -> None:
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    fake_engine.store.remove("harbour")
    assert fake_engine.articles() == []
    assert _units(fake_engine) == 0


def test_ingest_many_matches_one_by_one(fake_engine: Engine, tmp_path: Path) -> None:
    """Batched ingest writes the same units as ingesting one at a time, and skips unchanged text."""
    arts = [article_from_text(STORY.replace("40,000", f"{n},000"), f"harbour{n}") for n in (1, 2, 3)]
    fake_engine.ingest(arts[0])
    results = list(fake_engine.ingest_many(arts))
    assert [(r.name, r.changed) for r in results] == [
        ("harbour1", False),
        ("harbour2", True),
        ("harbour3", True),
    ]
    one = Engine(fake_engine.settings.with_(index_dir=tmp_path / "one"), embedder=fake_engine.embedder)
    for a in arts:
        one.ingest(a)
    both = [sorted(e.store._units._collection.get(include=[])["ids"]) for e in (fake_engine, one)]
    assert both[0] == both[1]
    assert "2,000" in fake_engine.answer("How many vehicles can the bridge carry a day?", "harbour2").text


def test_ingest_many_keeps_what_came_before_a_bad_file(fake_engine: Engine, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(STORY, encoding="utf-8")
    with pytest.raises(InputError):
        list(fake_engine.ingest_many([good, tmp_path / "missing.txt"]))
    assert [a.name for a in fake_engine.articles()] == ["good"]


def test_cached_article_list_sees_other_writers(fake_engine: Engine) -> None:
    """The list is cached between questions but never stale: another engine on the same index
    (as another process would) adds, replaces and removes articles."""
    other = Engine(fake_engine.settings, embedder=fake_engine.embedder)
    fake_engine.ingest(article_from_text(STORY, "harbour"))
    assert [a.name for a in other.articles()] == ["harbour"]
    fake_engine.ingest(article_from_text(STORY.replace("40,000", "55,000"), "harbour"))
    fake_engine.ingest(article_from_text(STORY, "bridge"))
    assert [a.name for a in other.articles()] == ["bridge", "harbour"]
    assert "55,000" in other.answer("How many vehicles can the bridge carry a day?", "harbour").text
    fake_engine.store.remove("bridge")
    assert [a.name for a in other.articles()] == ["harbour"]
