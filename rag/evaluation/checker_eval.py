"""How good is the citation checker? `python -m rag.evaluation.checker_eval`.

No LLM needed: on the seed gold set, each reference answer is checked against the passage that
holds its evidence (should pass), and against the evidence passage of a different question
(should fail). Reports the pass rate of each.
"""

from __future__ import annotations

import json
import sys

from rag.chunking import chunk_article
from rag.config import REPO_ROOT
from rag.evaluation.dataset import load_dataset
from rag.evaluation.metrics import find_span, overlaps
from rag.generative import supported
from rag.loading import load_article

SEED = REPO_ROOT / "articles" / "china-daily-ai-gap-2024-03-11.txt"
GOLD = REPO_ROOT / "eval" / "datasets" / "china-daily-ai-gap-2024-03-11.jsonl"


def main() -> int:
    """Print the checker's acceptance of true and of mismatched claims as JSON."""
    article = load_article(SEED)
    chunks = chunk_article(article)
    items = [i for i in load_dataset(GOLD) if i.answerable and i.answer]

    def evidence_text(item) -> str:  # type: ignore[no-untyped-def]
        spans = [s for s in (find_span(article.text, e) for e in item.evidence) if s]
        held = [c for c in chunks if any(overlaps((c.start, c.end), s) for s in spans)]
        return "\n".join(c.text + "\n" + c.context for c in held)

    ev = {i.id: evidence_text(i) for i in items}
    true_pass = [supported(i.answer, ev[i.id]) for i in items]
    # A mismatch: each answer against the evidence of the question 7 places on (a fixed shift).
    shifted = [(i, items[(k + 7) % len(items)]) for k, i in enumerate(items)]
    false_pass = [supported(i.answer, ev[j.id]) for i, j in shifted if ev[j.id] != ev[i.id]]
    out = {
        "true_claims": len(true_pass),
        "true_claims_accepted": round(sum(true_pass) / len(true_pass), 3),
        "mismatched_claims": len(false_pass),
        "mismatched_claims_accepted": round(sum(false_pass) / len(false_pass), 3),
        "rejected_true_claims": [i.id for i, ok in zip(items, true_pass, strict=True) if not ok],
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
