import pytest

from rag.evaluation import metrics as M


def test_find_span_folds_whitespace() -> None:
    text = "Alpha beta\n\n gamma delta."
    assert M.find_span(text, "beta gamma") == (6, 18)
    assert M.find_span(text, "beta  epsilon") is None


def test_ranking_metrics() -> None:
    rel = [False, True, False, True]
    assert M.hit_at(rel, 1) == 0.0
    assert M.hit_at(rel, 2) == 1.0
    assert M.mrr(rel) == 0.5
    assert M.ndcg([True], 1, 4) == 1.0
    assert 0 < M.ndcg(rel, 1, 4) < 1


def test_overlap_needs_half_the_evidence() -> None:
    assert M.overlaps((0, 100), (90, 110))
    assert not M.overlaps((0, 100), (95, 120))


def test_answer_metrics() -> None:
    assert M.key_fact_recall("closed within 1-2 years [1]", [["1-2 years", "two years"], ["software"]]) == 0.5
    assert M.token_f1("the gap closes in two years", "gap closes in two years") == pytest.approx(1.0)
    assert M.token_f1("", "x") == 0.0
    assert M.contains_any("It was 60,000 settlers", ["60,000"]) == 1.0


def test_citation_scores() -> None:
    cites = [{"n": 1, "start": 0, "end": 50}, {"n": 2, "start": 200, "end": 260}]
    p, r = M.citation_scores("First claim [1]. Second claim [2].", cites, [(10, 30)])
    assert p == 0.5
    assert r == 0.5


def test_percentile() -> None:
    assert M.percentile([1, 2, 3, 4, 5], 50) == 3
    assert M.percentile([], 95) == 0.0
