"""Pure metric functions, per item; `aggregate` averages them. No model, no I/O."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

Span = tuple[int, int]


def find_span(text: str, quote: str) -> Span | None:
    """Where `quote` occurs in `text`, whitespace folded on both sides; None if absent."""
    words = quote.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else None


def overlaps(passage: Span, evidence: Span, min_share: float = 0.5) -> bool:
    """True when the passage holds at least `min_share` of the evidence span."""
    inter = min(passage[1], evidence[1]) - max(passage[0], evidence[0])
    return inter > 0 and inter >= min_share * (evidence[1] - evidence[0])


def relevance(passages: Sequence[Span], evidence: Sequence[Span]) -> list[bool]:
    """For each retrieved passage, whether it holds some evidence."""
    return [any(overlaps(p, e) for e in evidence) for p in passages]


def hit_at(rel: Sequence[bool], k: int) -> float:
    """1.0 when a relevant passage is in the top k."""
    return 1.0 if any(rel[:k]) else 0.0


def mrr(rel: Sequence[bool]) -> float:
    """Reciprocal rank of the first relevant passage."""
    return next((1.0 / (i + 1) for i, r in enumerate(rel) if r), 0.0)


def ndcg(rel: Sequence[bool], n_relevant: int, k: int) -> float:
    """Binary nDCG@k, the ideal ranking holding min(n_relevant, k) relevant passages first."""
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel[:k]) if r)
    # Several passages may hold the same evidence: the ideal has at least as many as were found.
    n_ideal = min(max(n_relevant, sum(rel[:k]), 1), k)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(n_ideal))
    return dcg / ideal if ideal else 0.0


def _norm(s: str) -> str:
    s = s.lower().replace("’", "'")
    s = "".join(ch for ch in s if ch not in set(string.punctuation) - {"-"})
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def key_fact_recall(answer: str, key_facts: Sequence[Sequence[str]]) -> float | None:
    """Share of key-fact groups of which some alternative appears in the answer."""
    if not key_facts:
        return None
    a = _norm(answer)
    return sum(any(_norm(alt) in a for alt in group) for group in key_facts) / len(key_facts)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 between two strings."""
    p, r = _norm(prediction).split(), _norm(reference).split()
    common = Counter(p) & Counter(r)
    same = sum(common.values())
    if not p or not r or not same:
        return 0.0
    prec, rec = same / len(p), same / len(r)
    return 2 * prec * rec / (prec + rec)


def contains_any(answer: str, golds: Iterable[str]) -> float:
    """1.0 when the answer contains one of the gold answer strings (span datasets)."""
    a = _norm(answer)
    return 1.0 if any(_norm(g) and _norm(g) in a for g in golds) else 0.0


_MARK = re.compile(r"\[(\d+)\]")


def answer_segments(answer: str) -> list[tuple[str, list[int]]]:
    """The answer cut after each run of [n] markers: (sentence, its citation numbers)."""
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for m in re.finditer(r"(?:\s*\[\d+\])+", answer):
        seg = answer[pos : m.start()].strip()
        if seg:
            out.append((seg, [int(x) for x in _MARK.findall(m.group(0))]))
        pos = m.end()
    tail = answer[pos:].strip()
    if tail and re.search(r"\w", tail):
        out.append((tail, []))
    return out


def citation_scores(
    answer: str, citations: Sequence[dict[str, Any]], evidence: Sequence[Span]
) -> tuple[float | None, float | None]:
    """ALCE-style citation precision and recall against the evidence spans.

    A citation is valid when its passage holds some evidence. Precision: share of citations
    that are valid. Recall: share of answer sentences that carry at least one valid citation.
    """
    if not citations:
        return None, (0.0 if answer_segments(answer) else None)
    valid = {int(c["n"]) for c in citations if relevance([(c["start"], c["end"])], evidence)[0]}
    precision = sum(int(c["n"]) in valid for c in citations) / len(citations)
    segs = answer_segments(answer)
    recall = sum(any(n in valid for n in ns) for _, ns in segs) / len(segs) if segs else None
    return precision, recall


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    v = sorted(values)
    pos = (len(v) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None (None when there are none)."""
    vs = [v for v in values if v is not None]
    return sum(vs) / len(vs) if vs else None
