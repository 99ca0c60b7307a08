"""Scale benchmark: `python -m rag.evaluation.bench_scale [--out FILE] [--chroma-server | --chroma-url URL]`.

1. Ingests every document of ../shared/benchmarks (133) and compares ingest throughput with the
   embedder's raw encode throughput on a sample of the same sentence texts (units/s ratio).
2. Grows a synthetic library to 1k, 10k and 100k chunks by adding renamed copies of those
   documents (their sentence vectors come from a cache keyed by text, so growing costs Chroma
   writes, not model time) and measures answer() latency p50/p95 for one-article and
   all-articles questions at each size, the index size on disk and the peak memory.

With --chroma-server the same runs against `chroma run` on loopback (started here, in a
temporary dir), adding the server's own peak memory; --chroma-url uses a server you run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import chunk_article
from rag.config import Settings
from rag.embedding import Embedder, get_embedder
from rag.evaluation.benchmark import BENCH_DIR, _slug
from rag.evaluation.metrics import percentile
from rag.loading import article_from_text
from rag.pipeline import Engine
from rag.store import start_chroma_server


class CachingEmbedder:
    """Wraps an embedder with a cache keyed by text (copies of a document cost nothing)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.cache: dict[bytes, np.ndarray] = {}
        self.misses = 0
        self.texts: list[str] = []  # every text embedded for real, for a fair raw-encode sample

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.cache]
        if todo:
            vecs = self.inner.embed([texts[i] for i in todo])
            self.misses += len(todo)
            self.texts += [texts[i] for i in todo]
            for i, v in zip(todo, vecs, strict=True):
                self.cache[keys[i]] = v
        return np.stack([self.cache[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)


def _docs() -> list[dict[str, Any]]:
    out = []
    for src in ("squad2_dev", "covid_qa"):
        for p in sorted((BENCH_DIR / src).glob("*.json")):
            if p.name in ("index.json",):
                continue
            d = json.loads(p.read_text(encoding="utf-8"))
            if "text" in d:
                out.append(d)
    return out


def _dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _latency(engine: Engine, questions: list[tuple[str, str]], article: str | None) -> dict[str, float]:
    lat = []
    for q, name in questions:
        t = time.perf_counter()
        engine.answer(q, article or name)
        lat.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1), "n": len(lat)}


def main() -> int:
    """Run and print the figures as JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--chroma-url", default="")
    ap.add_argument(
        "--chroma-server",
        action="store_true",
        help="start `chroma run` on loopback in a temporary dir and measure against it",
    )
    ap.add_argument("--embedder", default="minilm")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--index-dir", default="", help="keep the index here (default: a temporary dir)")
    args = ap.parse_args()
    docs = _docs()
    emb = CachingEmbedder(get_embedder(args.embedder))
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        if args.chroma_server:
            server, args.chroma_url = _start_server(Path(tmp) / "server")
        out: dict[str, Any] = {"documents": len(docs), "chroma": args.chroma_url or "embedded (disk)"}
        index_dir = Path(args.index_dir) if args.index_dir else Path(tmp) / "idx"
        settings = Settings.from_env(index_dir=index_dir, chroma_url=args.chroma_url)
        engine = Engine(settings, embedder=emb)
        emb.embed(["warm up the", "batch model"])  # two texts: the batch path ingest uses
        # 1. Real ingest of every benchmark document, against raw encode of a sample of its units.
        t0 = time.perf_counter()
        arts = [article_from_text(d["text"], _slug(str(d["id"]))) for d in docs]
        chunks = sum(r.chunks for r in engine.ingest_many(arts))
        ingest_s = time.perf_counter() - t0
        units = emb.misses
        # Raw encode of an even sample of the very texts ingest embedded (SQuAD and COVID-QA
        # sentences differ in length, so a sample from one source would bias the ratio).
        texts = emb.texts[:: max(1, len(emb.texts) // 4000)]
        t1 = time.perf_counter()
        emb.inner.embed(texts)
        raw_s = time.perf_counter() - t1
        out["ingest_all_benchmarks"] = {
            "chunks": chunks,
            "units_embedded": units,
            "seconds": round(ingest_s, 1),
            "units_per_s": round(units / ingest_s, 1),
            "raw_encode_units_per_s": round(len(texts) / raw_s, 1),
            "ratio": round((units / ingest_s) / (len(texts) / raw_s), 3),
        }
        print(json.dumps(out["ingest_all_benchmarks"]), file=sys.stderr)
        questions = [
            (q["question"], _slug(str(d["id"])))
            for d in docs[:: max(1, len(docs) // args.questions)]
            for q in d["qa"][:1]
        ]
        out["sizes"] = {}
        copy = 0
        # Every article holding each document's text, oldest first: a question can then go to
        # an article never asked before (its layout and lexical index not yet loaded).
        holders: dict[str, list[str]] = {_slug(str(d["id"])): [_slug(str(d["id"]))] for d in docs}
        asked: set[str] = set()
        for size in [int(s) for s in args.sizes.split(",") if s]:
            batch = []
            while chunks < size:
                d = docs[copy % len(docs)]
                copy += 1
                batch.append(article_from_text(d["text"], f"copy{copy}-{_slug(str(d['id']))}"[:110]))
                holders[_slug(str(d["id"]))].append(batch[-1].name)
                chunks += len(chunk_article(batch[-1], settings.chunk_max_chars))
            for _ in engine.ingest_many(batch):
                pass
            t_first = time.perf_counter()
            engine.answer("warm up question?", "all")  # builds the all-articles lexical index once
            first_all_s = time.perf_counter() - t_first
            fresh = []
            for q, slug in questions:
                unasked = [n for n in holders[slug] if n not in asked]
                if unasked:
                    fresh.append((q, unasked[-1]))
                    asked.add(unasked[-1])
            row = {
                "chunks": chunks,
                "articles": len(engine.articles()),
                # First question about an article (its record and layout read from Chroma,
                # its lexical index built), then the same questions again (all cached).
                "one_article_first": _latency(engine, fresh, None),
                "one_article": _latency(engine, fresh, None),
                "all_articles": _latency(engine, questions[:10], "all"),
                "first_all_articles_question_s": round(first_all_s, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
            }
            if server is not None:
                row["index_mb"] = round(_dir_mb(Path(tmp) / "server"), 1)
                row["server_peak_rss_mb"] = _peak_rss_mb(server.pid)
            elif not args.chroma_url:
                row["index_mb"] = round(_dir_mb(index_dir), 1)
            out["sizes"][str(size)] = row
            print(json.dumps(row), file=sys.stderr)
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def _start_server(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`chroma run` on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return start_chroma_server(path, port), f"http://127.0.0.1:{port}"


def _peak_rss_mb(pid: int) -> float:
    """The server process's peak resident memory (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 0)
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
