"""Answerers side by side on one gold set, in one run:
`python -m rag.evaluation.compare_answerers [--out DIR] [--specs extractive,local,local:article,...]`.

Each answerer runs in its own `rag eval` process, one after another (so each peak memory is its
own and they never share the CPU), and the table of README "Answers" is printed from the results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

DEFAULT = "extractive,local,local:article,local-0.5b,local-0.5b:article"


def _row(name: str, m: dict[str, Any]) -> str:
    def sec(key: str) -> str:
        return f"{m[key] / 1000:.1f} s" if m.get(key) is not None else "–"

    first = f"{sec('first_token_p50_ms')} / {sec('first_token_p95_ms')}"
    return (
        f"| {name} | {m['key_fact_recall']:.3f} | {m['f1']:.3f} | "
        f"{m['citation_precision']:.3f} / {m['citation_recall']:.3f} | {m['abstained_correctly']:.3f} | "
        f"{m['wrongly_declined']:.3f} | {first} | {m['latency_p50_ms'] / 1000:.2f} s / "
        f"{m['latency_p95_ms'] / 1000:.2f} s | {m.get('warm_up_s', 0):.1f} s | {m['peak_rss_mb'] / 1024:.1f} GB |"
    )


HEADER = (
    "| answerer | key-fact recall | token F1 | citation precision / recall | unanswerable declined "
    "| answerable declined | first token p50 / p95 | whole answer p50 / p95 | warm-up (once) | peak memory |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> int:
    """Run every answerer, print and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="eval/runs/answerers")
    ap.add_argument("--specs", default=DEFAULT, help="BACKEND[:CONTEXT],... (context: passages|article)")
    ap.add_argument("--article", help="article to evaluate (default: the only one in the library)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rag = Path(sys.executable).with_name("rag")
    rows, results = [], {}
    for spec in args.specs.split(","):
        backend, _, context = spec.partition(":")
        context = context or "passages"
        name = backend if context == "passages" else f"{backend}, whole article"
        target = out / spec.replace(":", "-")
        cmd = [str(rag), "eval", "--llm", backend, "--llm-context", context, "--out", str(target), "--json"]
        if args.article:
            cmd += ["--article", args.article]
        done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
        if done.returncode != 0:
            print(f"{spec}: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            return done.returncode
        metrics = json.loads((target / "summary.json").read_text(encoding="utf-8"))["metrics"]
        results[spec] = metrics
        rows.append(_row(name, metrics))
        print(f"{spec}: done", file=sys.stderr)
    table = HEADER + "\n" + "\n".join(rows)
    (out / "answerers.md").write_text(table + "\n", encoding="utf-8")
    (out / "answerers.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
