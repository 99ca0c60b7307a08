"""UI benchmark: `python -m rag.evaluation.bench_ui [--out FILE]`.

Starts `python ui.py` on a free port over a temporary index holding the seed article, measures
the time until the /chat API answers, then the round trip of 50 gold questions via gradio_client.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.config import REPO_ROOT
from rag.evaluation.dataset import load_dataset
from rag.evaluation.metrics import percentile

GOLD = REPO_ROOT / "eval" / "datasets" / "china-daily-ai-gap-2024-03-11.jsonl"
SEED = REPO_ROOT / "articles" / "china-daily-ai-gap-2024-03-11.txt"


def main() -> int:
    """Run and print the figures as JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    args = ap.parse_args()
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RAG_INDEX_DIR=str(Path(tmp) / "idx"))
        subprocess.run(
            [sys.executable, "-m", "rag.cli", "ingest", str(SEED)], env=env, check=True, capture_output=True
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "ui.py"), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            while True:
                try:
                    client = Client(url, verbose=False)
                    client.predict("What did Zhou Hongyi predict?", api_name="/chat")
                    break
                except Exception:
                    if time.perf_counter() - t0 > 120:
                        raise
                    time.sleep(0.2)
            startup = time.perf_counter() - t0
            questions = [i.question for i in load_dataset(GOLD) if not i.history][:50]
            lat = []
            for q in questions:
                t = time.perf_counter()
                client.predict(q, api_name="/chat")
                lat.append((time.perf_counter() - t) * 1000)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    out = {
        "ui_start_to_first_answer_s": round(startup, 2),
        "round_trip_ms": {
            "p50": round(percentile(lat, 50), 1),
            "p95": round(percentile(lat, 95), 1),
            "n": len(lat),
        },
    }
    print(json.dumps(out, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
