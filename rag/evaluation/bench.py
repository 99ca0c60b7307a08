"""Benchmark (not a timed test): `python -m rag.evaluation.bench [--out FILE]`.

Measures, in one run on this machine: warm answer() latency p50/p95 over the gold questions,
cold `rag ask` (process start to answer), ingest throughput as a ratio to the embedder's raw
encode throughput on the same texts, and evidence hit@3 for ours vs the LangChain tutorial setup.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.config import REPO_ROOT, Settings
from rag.evaluation.cli import evaluate
from rag.evaluation.dataset import load_dataset
from rag.evaluation.metrics import percentile
from rag.loading import load_article
from rag.pipeline import Engine
from rag.store import _units

SEED = REPO_ROOT / "articles" / "china-daily-ai-gap-2024-03-11.txt"
GOLD = REPO_ROOT / "eval" / "datasets" / "china-daily-ai-gap-2024-03-11.jsonl"


def main() -> int:
    """Run the benchmark and print (and optionally save) the figures as JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(index_dir=Path(tmp) / "idx")
        engine = Engine(settings)
        article = load_article(SEED)
        engine.embedder.embed(["warm up the", "batch model"])  # two texts: the batch path ingest uses
        # Raw encode throughput on exactly the texts the index embeds.
        from rag.chunking import chunk_article

        chunks = chunk_article(article, settings.chunk_max_chars)
        texts = [u[0] for u in _units(article, chunks, settings.embed_unit, bool(settings.embed_context))]
        t0 = time.perf_counter()
        for _ in range(args.repeats):
            engine.embedder.embed(texts)
        raw = (time.perf_counter() - t0) / args.repeats
        ingest = []
        for i in range(args.repeats):
            e = Engine(settings.with_(index_dir=Path(tmp) / f"ingest{i}"), embedder=engine.embedder)
            e.store._open()
            t0 = time.perf_counter()
            e.ingest(article)
            ingest.append(time.perf_counter() - t0)
        ing = sorted(ingest)[len(ingest) // 2]
        out["ingest"] = {
            "units": len(texts),
            "raw_encode_s": round(raw, 3),
            "ingest_s_median": round(ing, 3),
            "ratio_ingest_to_raw_throughput": round(raw / ing, 3),
        }
        engine.ingest(article)
        items = load_dataset(GOLD)
        lat = []
        for _ in range(args.repeats):
            for it in items:
                t0 = time.perf_counter()
                engine.answer(it.question, None, it.history)
                lat.append((time.perf_counter() - t0) * 1000)
        out["warm_answer_ms"] = {
            "p50": round(percentile(lat, 50), 1),
            "p95": round(percentile(lat, 95), 1),
            "n": len(lat),
        }
        systems = evaluate(engine, [article.name], items, compare=True)
        out["gold_set"] = {
            name: {
                k: round(v["summary"][k], 3) for k in ("hit@1", "hit@3", "mrr") if v["summary"][k] is not None
            }
            for name, v in systems.items()
        }
        env = dict(os.environ, RAG_INDEX_DIR=str(Path(tmp) / "idx"))
        cold = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [str(Path(sys.executable).with_name("rag")), "ask", "What did Zhou Hongyi predict?"],
                env=env,
                check=True,
                capture_output=True,
            )
            cold.append(time.perf_counter() - t0)
        out["cold_rag_ask_s"] = {"median": round(sorted(cold)[1], 2), "max": round(max(cold), 2)}
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
