"""A report a person takes in at a glance: a table per system and bars per metric."""

from __future__ import annotations

from typing import Any

SHOWN = [
    ("hit@1", "evidence hit@1"),
    ("hit@3", "evidence hit@3"),
    ("mrr", "MRR"),
    ("ndcg", "nDCG@4"),
    ("key_fact_recall", "key-fact recall"),
    ("f1", "token F1"),
    ("contains_gold", "contains gold"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("abstained_correctly", "unanswerable declined"),
    ("wrongly_declined", "answerable declined (lower is better)"),
    ("latency_p50_ms", "latency p50 ms"),
    ("latency_p95_ms", "latency p95 ms"),
    ("first_token_p50_ms", "first token p50 ms"),
    ("first_token_p95_ms", "first token p95 ms"),
    ("peak_rss_mb", "peak memory MB"),
]


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if isinstance(v, float) and abs(v) <= 1.0 else f"{v:.1f}"


def table(summaries: dict[str, dict[str, Any]]) -> str:
    """A plain-text table: one row per metric, one column per system."""
    names = list(summaries)
    w = max(len(label) for _, label in SHOWN) + 2
    lines = ["metric".ljust(w) + "".join(n.rjust(20) for n in names)]
    for key, label in SHOWN:
        vals = [summaries[n].get(key) for n in names]
        if all(v is None for v in vals):
            continue
        lines.append(label.ljust(w) + "".join(_fmt(v).rjust(20) for v in vals))
    n = summaries[names[0]]
    lines.append(f"({n['n']} questions, {n['n_answerable']} answerable)")
    return "\n".join(lines)


def markdown_report(summary: dict[str, Any], systems: dict[str, Any]) -> str:
    """Markdown: the table, a bar per metric and system, and the items that failed."""
    sums = {k: v["summary"] for k, v in systems.items()}
    names = list(sums)
    out = [f"# Eval report: {', '.join(summary['articles'])}", ""]
    out.append(f"Dataset `{summary['dataset']}`, {sums['ours']['n']} questions, {summary['seconds']} s.")
    out.append("")
    out.append("| metric | " + " | ".join(names) + " |")
    out.append("|---|" + "---|" * len(names))
    for key, label in SHOWN:
        vals = [sums[n].get(key) for n in names]
        if all(v is None for v in vals):
            continue
        out.append(f"| {label} | " + " | ".join(_fmt(v) for v in vals) + " |")
    out += ["", "## At a glance", "", "```"]
    for key, label in SHOWN[:11]:
        for n in names:
            v = sums[n].get(key)
            if v is None:
                continue
            out.append(f"{label[:24]:<24} {n[:18]:<18} {'█' * round(v * 30):<30} {v:.2f}")
    out += ["```", "", "## Items to look at (ours)", ""]
    for r, p in zip(systems["ours"]["rows"], systems["ours"]["predictions"], strict=True):
        bad = (r["answerable"] and (r["refused"] or (r.get("hit@3") == 0.0))) or (
            not r["answerable"] and not r["refused"]
        )
        if bad:
            why = (
                "answered an unanswerable question"
                if not r["answerable"]
                else ("declined" if r["refused"] else "evidence not in top 3")
            )
            out.append(f"- `{r['id']}` {p['question']} — {why}: {p['answer'][:160]}")
    return "\n".join(out) + "\n"
