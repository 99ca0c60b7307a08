"""`rag eval --benchmark squad2|covid_qa`: third-party QA data from ../shared/benchmarks, each
document indexed as a whole article and its questions run through the same pipeline."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.config import REPO_ROOT
from rag.errors import InputError
from rag.evaluation import metrics as M
from rag.evaluation.dataset import Item
from rag.evaluation.runner import aggregate, score_item
from rag.loading import article_from_text
from rag.pipeline import Engine

BENCH_DIR = REPO_ROOT.parent / "shared" / "benchmarks"
SOURCES = {"squad2": "squad2_dev", "covid_qa": "covid_qa"}


def load_split(benchmark: str, split: str, max_docs: int | None) -> list[dict[str, Any]]:
    """The documents of a benchmark split (dev to tune on, test to report)."""
    if benchmark not in SOURCES:
        raise InputError(f"Unknown benchmark {benchmark!r}: use {' or '.join(SOURCES)}.")
    src = SOURCES[benchmark]
    splits_file = BENCH_DIR / "splits.json"
    if not splits_file.exists():
        raise InputError(f"Benchmark data not found at {BENCH_DIR} (expected ../shared/benchmarks).")
    names = json.loads(splits_file.read_text())[src].get(split)
    if names is None:
        raise InputError(f"Unknown split {split!r}: use dev or test.")
    docs = [json.loads((BENCH_DIR / src / f"{n}.json").read_text(encoding="utf-8")) for n in names]
    return docs[:max_docs] if max_docs else docs


def _slug(doc_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in doc_id.split(":")[-1])[:100]


def run_benchmark(
    engine: Engine, benchmark: str, split: str, max_docs: int | None, max_questions: int | None
) -> dict[str, Any]:
    """Index each document in a temporary library and score its questions."""
    docs = load_split(benchmark, split, max_docs)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bench = Engine(
            engine.settings.with_(index_dir=Path(tmp) / "index", chroma_url=""), embedder=engine.embedder
        )
        total_q = sum(len(d["qa"][:max_questions] if max_questions else d["qa"]) for d in docs)
        done = 0
        for d in docs:
            article = article_from_text(d["text"], _slug(str(d["id"])), source=str(d.get("source", "")))
            bench.ingest(article)
            qa = d["qa"][:max_questions] if max_questions else d["qa"]
            for q in qa:
                item = Item(
                    id=str(q["id"]),
                    question=q["question"],
                    answerable=bool(q["answerable"]),
                    answers=tuple(q.get("answers", [])),
                    answer=(q.get("answers") or [""])[0],
                )
                ts = time.perf_counter()
                ans = bench.answer(item.question, article.name)
                ms = (time.perf_counter() - ts) * 1000
                row = score_item(item, ans, article.text, ms)
                # Span data: a passage "holds the evidence" when it contains a gold answer.
                if item.answerable and item.answers:
                    rel = [M.contains_any(p.chunk.text, item.answers) == 1.0 for p in ans.retrieved]
                    row["hit@1"], row["hit@3"] = M.hit_at(rel, 1), M.hit_at(rel, 3)
                    row["hit@4"], row["mrr"] = M.hit_at(rel, 4), M.mrr(rel)
                    row["contains_gold"] = 0.0 if ans.refused else M.contains_any(ans.text, item.answers)
                rows.append(row)
                done += 1
                if sys.stderr.isatty() and (done % 20 == 0 or done == total_q):
                    sys.stderr.write(
                        f"\r{benchmark}/{split}: {done}/{total_q} questions, {len(docs)} documents"
                    )
        if sys.stderr.isatty():
            sys.stderr.write("\n")
    summary = aggregate(rows)
    summary["documents"] = len(docs)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    return {"summary": summary, "rows": rows}
