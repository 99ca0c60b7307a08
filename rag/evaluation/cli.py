"""`rag eval`: run a dataset through our pipeline (and, with --compare, the baselines)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.evaluation.dataset import Item, load_dataset
from rag.evaluation.report import markdown_report, table
from rag.evaluation.runner import aggregate, run_items, score_item
from rag.pipeline import Engine
from rag.types import Answer


def _versions(engine: Engine) -> dict[str, str]:
    out = {"embedder": engine.embedder.name}
    for pkg in ("torch", "sentence-transformers", "chromadb", "langchain-core", "langchain-chroma"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _public_settings(settings: Any) -> dict[str, str]:
    """Settings for the record, without secrets."""
    return {k: ("***" if "key" in k and v else str(v)) for k, v in vars(settings).items()}


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")


def evaluate(engine: Engine, names: list[str], items: list[Item], compare: bool = False) -> dict[str, Any]:
    """Run items against our pipeline (and baselines); returns summaries, rows and predictions."""
    texts = {n: engine.store.get(n)[0].text for n in names}

    def text_of(ans: Answer) -> str:
        return texts[ans.retrieved[0].chunk.article] if ans.retrieved else next(iter(texts.values()))

    systems: dict[str, Any] = {}
    # Loading models (and a whole-article prompt prefix) happens once per process: timed apart.
    warm_s = engine.warm(names)
    rows, preds = run_items(
        items, lambda it: engine.answer(it.question, names, it.history), text_of, _progress
    )
    systems["ours"] = {
        "summary": aggregate(rows) | {"warm_up_s": round(warm_s, 2)},
        "rows": rows,
        "predictions": preds,
    }
    if compare:
        systems.update(_baselines(engine, names, items, texts))
    return systems


def _baselines(engine: Engine, names: list[str], items: list[Item], texts: dict[str, str]) -> dict[str, Any]:
    """Dense-only, BM25-only (no re-scoring) and the LangChain tutorial setup, on the same data."""
    from rag.evaluation.baselines import NaiveLangChain
    from rag.history import resolve

    out: dict[str, Any] = {}
    for label, mode in (("dense-only", "dense"), ("bm25-only", "bm25")):
        other = Engine(engine.settings.with_(retrieval=mode, rerank=0), embedder=engine.embedder)

        def ask(it: Item, o: Engine = other) -> Answer:
            return o.answer(it.question, names, it.history)

        rows, _ = run_items(items, ask, lambda a: texts[names[0]])
        out[label] = {"summary": aggregate(rows), "rows": rows}
    if len(names) == 1:
        article = engine.store.get(names[0])[0]
        naive = NaiveLangChain(article, engine.embedder)
        rows = []
        for it in items:
            t0 = time.perf_counter()
            passages = naive.retrieve(resolve(it.question, list(it.history)))
            ms = (time.perf_counter() - t0) * 1000
            ans = Answer(it.question, "", True, [], passages, {"retrieve": ms, "total": ms})
            row = score_item(it, ans, article.text, ms)
            for key in ("key_fact_recall", "f1", "contains_gold", "abstained_correctly", "wrongly_declined"):
                row[key] = None  # retrieval only: the tutorial's answer step needs an LLM
            rows.append(row)
        out["langchain-tutorial"] = {"summary": aggregate(rows), "rows": rows}
    return out


def run_eval(engine: Engine, args: argparse.Namespace) -> int:
    """The `rag eval` command."""
    from rag.cli import default_dataset

    if args.benchmark:
        return _run_benchmark(engine, args)
    if args.source:
        r = engine.ingest(args.source)
        names = [r.name]
    else:
        names = engine.choose(args.article)
    dataset = Path(args.dataset) if args.dataset else default_dataset(names[0])
    if not args.dataset and not dataset.exists():
        raise InputError(f"No gold set for {names[0]} at {dataset}; pass --dataset FILE.")
    items = load_dataset(dataset)
    t0 = time.perf_counter()
    systems = evaluate(engine, names, items, compare=args.compare)
    seconds = time.perf_counter() - t0
    s = engine.settings
    summary = {
        "dataset": str(dataset),
        "articles": names,
        "seconds": round(seconds, 1),
        "metrics": systems["ours"]["summary"],
        "baselines": {k: v["summary"] for k, v in systems.items() if k != "ours"},
        "settings": _public_settings(s),
        "versions": _versions(engine),
    }
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "predictions.jsonl", "w", encoding="utf-8") as f:
            for p in systems["ours"]["predictions"]:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
        with open(out / "scores.jsonl", "w", encoding="utf-8") as f:
            for r in systems["ours"]["rows"]:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (out / "report.md").write_text(markdown_report(summary, systems), encoding="utf-8")
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(table({k: v["summary"] for k, v in systems.items()}))
        if args.out:
            print(f"\nWrote {args.out}/predictions.jsonl, summary.json, scores.jsonl, report.md")
    return 0


def _run_benchmark(engine: Engine, args: argparse.Namespace) -> int:
    from rag.evaluation.benchmark import run_benchmark

    res = run_benchmark(engine, args.benchmark, args.split, args.max_docs, args.max_questions)
    summary = {
        "benchmark": args.benchmark,
        "split": args.split,
        "metrics": res["summary"],
        "settings": _public_settings(engine.settings),
        "versions": _versions(engine),
    }
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        with open(out / "scores.jsonl", "w", encoding="utf-8") as f:
            for r in res["rows"]:
                f.write(json.dumps(r) + "\n")
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(table({f"{args.benchmark}/{args.split}": res["summary"]}))
        print(f"{res['summary']['documents']} documents in {res['summary']['seconds']} s")
    return 0
