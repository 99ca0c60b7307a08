"""The `rag` command: ingest, list, show, remove, ask, eval, serve, reindex."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag.config import REPO_ROOT, Settings
from rag.errors import InputError, RagError

EXAMPLES = """examples:
  rag ingest articles/china-daily-ai-gap-2024-03-11.txt
  rag ask "What did Zhou Hongyi predict?"
  rag ask --history "Who is Zhou Hongyi?" "What did he predict?" --json
  rag eval --out eval/runs/latest
"""


_CTX_HELP = "what an LLM reads: the retrieved passages (default) or the whole article if short"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rag",
        description="Ask questions about an article; answers cite the passages they come from.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--index-dir", help="index directory (default: index/ in the repo, or RAG_INDEX_DIR)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (or RAG_CHROMA_URL)")
    p.add_argument("--embedder", help="minilm (default), mpnet, or hash (test fake); or RAG_EMBEDDER")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="add or replace articles in the library")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--name", help="article name (one path only; default: file name without extension)")

    sub.add_parser("list", help="the articles in the library, with chunk counts")

    s = sub.add_parser("show", help="print an article's stored text (offsets refer to it)")
    s.add_argument("name")

    s = sub.add_parser("remove", help="delete an article from the library")
    s.add_argument("name")

    s = sub.add_parser("ask", help="answer a question with cited passages")
    s.add_argument("question")
    s.add_argument("--article", help="article name, several joined by commas, or 'all'")
    s.add_argument("--history", nargs="*", default=[], metavar="EARLIER_QUESTION")
    s.add_argument("--llm", help="answer backend (default: extractive, or RAG_LLM)")
    s.add_argument("--llm-context", choices=["passages", "article"], help=_CTX_HELP)
    s.add_argument("--json", action="store_true", help="print the answer as JSON")

    s = sub.add_parser("eval", help="run a gold dataset and report metrics")
    s.add_argument("--dataset", help="JSONL file (default: eval/datasets/ARTICLE.jsonl)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--article", help="article in the library to evaluate")
    g.add_argument("--source", help="an article file: ingest it, then evaluate it")
    s.add_argument("--llm", help="answer backend (default: extractive)")
    s.add_argument("--llm-context", choices=["passages", "article"], help=_CTX_HELP)
    s.add_argument("--out", help="write predictions.jsonl, summary.json and report.md here")
    s.add_argument("--compare", action="store_true", help="also run the baselines on the same data")
    s.add_argument(
        "--benchmark", choices=["squad2", "covid_qa"], help="run ../shared/benchmarks data instead"
    )
    s.add_argument(
        "--split", default="dev", choices=["dev", "test"], help="benchmark split (tune on dev only)"
    )
    s.add_argument("--max-docs", type=int, help="benchmark: at most this many documents")
    s.add_argument("--max-questions", type=int, help="benchmark: at most this many questions per document")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")

    s = sub.add_parser("serve", help="the chat UI in the browser")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--auth", help="USER:PASS required to open the UI (or RAG_AUTH)")

    sub.add_parser("reindex", help="rebuild every article's vectors with the current settings")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input, 1 for other failures)."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            index_dir=args.index_dir, chroma_url=args.chroma_url, embedder=args.embedder
        )
        if getattr(args, "llm", None):
            settings = settings.with_(llm=args.llm)
        if getattr(args, "llm_context", None):
            settings = settings.with_(llm_context=args.llm_context)
        return int(_run(args, settings) or 0)
    except RagError as e:
        print(f"rag: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("rag: interrupted.", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int | None:
    from rag.pipeline import get_engine
    from rag.store import chunker_signature

    if args.cmd == "serve":
        from rag.webui import serve

        serve(settings, host=args.host, port=args.port, auth=args.auth)
        return 0
    engine = get_engine(settings)
    if args.cmd == "ingest":
        if args.name and len(args.paths) > 1:
            raise InputError("--name works with one path only.")
        for r in engine.ingest_many(args.paths, args.name):
            state = "indexed" if r.changed else "unchanged, nothing written"
            print(f"{r.name}: {r.chunks} chunks, {state} ({r.seconds:.1f} s)")
        return 0
    if args.cmd == "list":
        rows = engine.articles()
        if not rows:
            print("The library is empty: add an article with `rag ingest FILE`.")
        current = chunker_signature(settings)
        for a in rows:
            stale = "" if a.chunker == current else f"\t(chunked as {a.chunker}; run `rag reindex`)"
            print(f"{a.name}\t{a.chunks} chunks\t{a.chars} chars\t{a.indexed_at}\t{a.title}{stale}")
        return 0
    if args.cmd == "show":
        article, _ = engine.store.get(args.name)
        sys.stdout.write(article.text)
        return 0
    if args.cmd == "remove":
        engine.store.remove(args.name)
        print(f"Removed {args.name}.")
        return 0
    if args.cmd == "reindex":
        return _reindex(settings)
    if args.cmd == "ask":
        ans = None
        streamed = False
        for event in engine.stream(args.question, args.article, args.history, args.llm):
            if isinstance(event, str):
                if not args.json and sys.stdout.isatty():
                    # Show the model's words as they come; the checked answer follows.
                    sys.stdout.write(event)
                    sys.stdout.flush()
                    streamed = True
            else:
                ans = event
        assert ans is not None
        if streamed:
            sys.stdout.write("\n\nChecked answer:\n")
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2) if args.json else format_answer(ans))
        return 0
    if args.cmd == "eval":
        from rag.evaluation.cli import run_eval

        return run_eval(engine, args)
    raise InputError(f"Unknown command {args.cmd!r}.")


def _reindex(settings: Settings) -> int:
    """Rebuild every article's chunks and vectors from its stored text with these settings."""
    from rag.pipeline import Engine
    from rag.store import rebuild

    engine = Engine(settings)
    articles = rebuild(settings, engine.embedder)
    for art in articles:
        r = engine.ingest(art)
        print(f"{r.name}: {r.chunks} chunks re-indexed")
    if not articles:
        print("The library is empty: nothing to re-index.")
    return 0


def format_answer(ans: Any) -> str:
    """The answer and its numbered sources, for a terminal."""
    lines = [ans.text]
    if ans.standalone_question and ans.standalone_question != ans.question:
        lines.insert(0, f"(understood as: {ans.standalone_question})")
    lines += [f"note: {n}" for n in ans.notes]
    for c in ans.citations:
        lines.append("")
        lines.append(f"[{c.n}] {c.article} chars {c.start}-{c.end} (score {c.score:.2f})")
        lines.append(f'    supporting: "{" ".join(c.quote.split())}"')
        lines.append(f"    passage: {' '.join(c.text.split())}")
    return "\n".join(lines)


def default_dataset(article: str) -> Path:
    """Where an article's gold set lives by convention."""
    return REPO_ROOT / "eval" / "datasets" / f"{article}.jsonl"


if __name__ == "__main__":
    sys.exit(main())
