"""Numbered citations: each cited passage once, with the exact sentences that support the answer."""

from __future__ import annotations

from dataclasses import dataclass

from rag.types import Citation, Passage, Sentence


@dataclass(frozen=True)
class Support:
    """A sentence chosen as evidence, the passage it sits in, and how well it matches."""

    passage: Passage
    sentence: Sentence
    score: float


def build_citations(text_of: dict[str, str], supports: list[Support]) -> tuple[list[Citation], list[int]]:
    """Citations numbered in order of first use, and each support's citation number.

    `text_of` maps article name to its stored text, so quotes are exact slices of it.
    """
    order: dict[str, int] = {}
    spans: dict[str, list[Sentence]] = {}
    numbers: list[int] = []
    for s in supports:
        cid = s.passage.chunk.id
        if cid not in order:
            order[cid] = len(order) + 1
            spans[cid] = []
        spans[cid].append(s.sentence)
        numbers.append(order[cid])
    cites: list[Citation] = []
    for s in supports:
        chunk = s.passage.chunk
        if chunk.id not in spans:
            continue
        sents = spans.pop(chunk.id)
        q0, q1 = min(x.start for x in sents), max(x.end for x in sents)
        best = max(x.score for x in supports if x.passage.chunk.id == chunk.id)
        cites.append(
            Citation(
                n=order[chunk.id],
                article=chunk.article,
                chunk_id=chunk.id,
                start=chunk.start,
                end=chunk.end,
                text=chunk.text,
                quote=text_of[chunk.article][q0:q1],
                quote_start=q0,
                quote_end=q1,
                score=best,
            )
        )
    return cites, numbers
