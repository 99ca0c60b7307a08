"""Run a dataset through the pipeline: per-item scores, aggregates, predictions and a report."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rag.evaluation import metrics as M
from rag.evaluation.dataset import Item
from rag.types import Answer

K_RETRIEVED = 4


def score_item(item: Item, ans: Answer, article_text: str, latency_ms: float) -> dict[str, Any]:
    """Every metric for one question (None where it does not apply)."""
    ev = [s for s in (M.find_span(article_text, e) for e in item.evidence) if s]
    spans = [(p.chunk.start, p.chunk.end) for p in ans.retrieved]
    rel = M.relevance(spans, ev)
    row: dict[str, Any] = {"id": item.id, "answerable": item.answerable, "refused": ans.refused}
    has_ev = item.answerable and bool(ev)
    row["hit@1"] = M.hit_at(rel, 1) if has_ev else None
    row["hit@3"] = M.hit_at(rel, 3) if has_ev else None
    row[f"hit@{K_RETRIEVED}"] = M.hit_at(rel, K_RETRIEVED) if has_ev else None
    row["mrr"] = M.mrr(rel) if has_ev else None
    row["ndcg"] = M.ndcg(rel, len(ev), K_RETRIEVED) if has_ev else None
    text = "" if ans.refused else ans.text
    row["key_fact_recall"] = M.key_fact_recall(text, item.key_facts) if item.answerable else None
    row["f1"] = M.token_f1(text, item.answer) if item.answerable and item.answer else None
    row["contains_gold"] = M.contains_any(text, item.answers) if item.answerable and item.answers else None
    cites = [c.to_dict() for c in ans.citations]
    p, r = M.citation_scores(text, cites, ev) if has_ev and not ans.refused else (None, None)
    row["citation_precision"], row["citation_recall"] = p, r
    row["abstained_correctly"] = (1.0 if ans.refused else 0.0) if not item.answerable else None
    row["wrongly_declined"] = (1.0 if ans.refused else 0.0) if item.answerable else None
    row["latency_ms"] = latency_ms
    row["timings_ms"] = dict(ans.timings_ms)
    return row


METRICS = [
    "hit@1",
    "hit@3",
    f"hit@{K_RETRIEVED}",
    "mrr",
    "ndcg",
    "key_fact_recall",
    "f1",
    "contains_gold",
    "citation_precision",
    "citation_recall",
    "abstained_correctly",
    "wrongly_declined",
]


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Means of each metric over the items it applies to, plus counts and latency percentiles."""
    out: dict[str, Any] = {m: M.mean(r.get(m) for r in rows) for m in METRICS}
    out["n"] = len(rows)
    out["n_answerable"] = sum(r["answerable"] for r in rows)
    lat = [r["latency_ms"] for r in rows]
    out["latency_p50_ms"] = M.percentile(lat, 50)
    out["latency_p95_ms"] = M.percentile(lat, 95)
    for stage in ("retrieve", "answer", "first_token"):
        vals = [r["timings_ms"][stage] for r in rows if stage in r["timings_ms"]]
        if vals:
            out[f"{stage}_p50_ms"] = M.percentile(vals, 50)
            out[f"{stage}_p95_ms"] = M.percentile(vals, 95)
    import resource

    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_items(
    items: list[Item],
    ask: Callable[[Item], Answer],
    article_text: Callable[[Answer], str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ask every item; return (per-item scores, prediction records)."""
    rows, preds = [], []
    for i, item in enumerate(items):
        t0 = time.perf_counter()
        ans = ask(item)
        ms = (time.perf_counter() - t0) * 1000
        rows.append(score_item(item, ans, article_text(ans), ms))
        d = ans.to_dict(with_retrieved=True)
        preds.append(
            {
                "id": item.id,
                "question": item.question,
                "answer": d["answer"],
                "refused": d["refused"],
                "citations": d["citations"],
                "retrieved": d["retrieved"],
                "latency_ms": round(ms, 2),
            }
        )
        if progress:
            progress(i + 1, len(items))
    return rows, preds
