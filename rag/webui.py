"""The Gradio chat UI. The only module that imports gradio; it calls the same Engine.answer as
the CLI and the eval. Article text and questions are always HTML-escaped before display."""

from __future__ import annotations

import contextlib
import html
import json
import os
import threading
from pathlib import Path
from typing import Any

from rag.config import REPO_ROOT, Settings
from rag.errors import RagError
from rag.llm import BACKENDS
from rag.pipeline import Engine, get_engine
from rag.types import Answer

MAX_UPLOAD = "5mb"
CSS = """
.rag-refusal {border-left: 4px solid #b45309; background: #fffbeb; padding: .5em .8em; color: #78350f}
.rag-sources {margin-top: .6em; font-size: .92em}
.rag-sources mark {background: #fde68a; padding: 0 .1em}
.rag-note {font-size: .85em; color: #64748b}
.rag-source {border-left: 3px solid #94a3b8; padding: .3em .7em; margin: .4em 0; color: #334155}
"""


def render_answer(ans: Answer) -> str:
    """An answer as safe HTML: text with [n] markers, then each source with its quote highlighted."""
    notes = "".join(f'<p class="rag-note">{html.escape(n)}</p>' for n in ans.notes)
    if ans.refused:
        return f'<div class="rag-refusal">⚠ {html.escape(ans.text)}</div>{notes}'
    parts = [f"<p>{html.escape(ans.text)}</p>", notes]
    if ans.citations:
        parts.append('<div class="rag-sources"><b>Sources</b>')
        for c in ans.citations:
            a, b = c.quote_start - c.start, c.quote_end - c.start
            passage = (
                html.escape(c.text[:a])
                + "<mark>"
                + html.escape(c.text[a:b])
                + "</mark>"
                + html.escape(c.text[b:])
            )
            parts.append(
                f'<div class="rag-source">[{c.n}] <i>{html.escape(c.article)}</i>, '
                f"characters {c.start}–{c.end}<br>{passage}</div>"
            )
        parts.append("</div>")
    return "".join(parts)


def answer_as_text(ans: Answer) -> str:
    """The answer and its sources as plain text (the /chat API's return value)."""
    lines = [ans.text]
    if ans.citations:
        lines.append("")
        lines.append("Sources:")
        for c in ans.citations:
            lines.append(f"[{c.n}] {c.article} ({c.start}-{c.end}): {' '.join(c.text.split())}")
            lines.append(f"    supporting: {' '.join(c.quote.split())}")
    return "\n".join(lines)


def example_questions(engine: Engine, name: str, n: int = 4) -> list[str]:
    """A few questions for the chosen article: from its gold set when it has one."""
    gold = REPO_ROOT / "eval" / "datasets" / f"{name}.jsonl"
    out: list[str] = []
    if gold.exists():
        for line in gold.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if item.get("answerable", True) and not item.get("history"):
                out.append(item["question"])
            if len(out) >= n:
                return out
    try:
        _, chunks = engine.store.get(name)
    except RagError:
        return out
    people = list(dict.fromkeys(c.context.split(",")[0] for c in chunks if c.context))
    out += [f"What did {p} say?" for p in people[: n - len(out)]]
    return out or ["What is the main point of the article?"]


SEED = "china-daily-ai-gap-2024-03-11"


def _default_article(names: list[str]) -> str | None:
    """The article selected when nothing else is: the seed article, else the first one."""
    return SEED if SEED in names else (names[0] if names else None)


def _history(messages: list[dict[str, Any]] | None) -> list[str]:
    return [str(m.get("content", "")) for m in (messages or []) if m.get("role") == "user"][-4:]


def warm_in_background(engine: Engine, article: str | None, llm: str | None) -> None:
    """Start Engine.warm in a daemon thread; failures only mean a slower first answer."""

    def work() -> None:
        # Any failure here (no model installed, server down) is reported by the question itself.
        with contextlib.suppress(Exception):
            engine.warm(article, llm)

    threading.Thread(target=work, daemon=True).start()


def build(settings: Settings) -> Any:
    """The Blocks app (not launched)."""
    import gradio as gr

    engine = get_engine(settings)

    def names() -> list[str]:
        try:
            return [a.name for a in engine.articles()]
        except RagError:
            return []

    def respond(message: str, messages: list[dict[str, Any]], article: str | None, llm: str | None) -> Any:
        messages = list(messages or [])
        shown = html.escape(message or "")
        history = _history(messages)
        try:
            stream = engine.stream(message, article or None, history, llm or None)
            messages += [{"role": "user", "content": shown}, {"role": "assistant", "content": "…"}]
            so_far = ""
            for event in stream:
                if isinstance(event, str):
                    # Show the model's words as they come; the checked answer replaces them.
                    so_far += event
                    messages[-1] = {"role": "assistant", "content": f"<p>{html.escape(so_far)}…</p>"}
                    yield "", messages
                else:
                    messages[-1] = {"role": "assistant", "content": render_answer(event)}
        except RagError as e:
            shown = shown[:300] + ("…" if len(shown) > 300 else "")
            reply = f'<div class="rag-refusal">{html.escape(str(e))}</div>'
            if messages and messages[-1].get("content") == "…":
                messages = messages[:-2]
            messages += [{"role": "user", "content": shown}, {"role": "assistant", "content": reply}]
        yield "", messages

    def upload(path: str | None, progress: Any = gr.Progress()) -> Any:  # noqa: B008 - gradio's idiom
        if not path:
            return gr.update(), gr.update(), gr.update(), gr.update()
        progress(0.1, desc="Reading and indexing…")
        try:
            is_url = str(path).startswith(("http://", "https://"))
            r = engine.ingest(path, None) if is_url else engine.ingest(Path(path), Path(path).stem)
        except RagError as e:
            return gr.update(), gr.update(value=f"⚠ {html.escape(str(e))}"), gr.update(), None
        progress(1.0, desc="Done")
        note = f"Indexed **{html.escape(r.name)}** ({r.chunks} passages). Ask away."
        # Clearing the file box makes it ready for the next upload.
        return gr.update(choices=names(), value=r.name), gr.update(value=note), _examples(r.name), None

    def _examples(name: str | None) -> Any:
        qs = example_questions(engine, name) if name else []
        return gr.update(samples=[[q] for q in qs])

    def api_chat(message: str, article: str = "", history: list[str] | None = None) -> str:
        """Answer a message about an article (default: the UI's default article; 'all' for every
        article); returns the answer with [n] markers and its cited passages as text."""
        try:
            chosen = article or _default_article(names())
            return answer_as_text(engine.answer(message, chosen, list(history or [])))
        except RagError as e:
            return str(e)

    initial = names()
    default = _default_article(initial)
    with gr.Blocks(title="Ask the article", analytics_enabled=False) as app:
        gr.Markdown(
            "## Ask the article\nAnswers quote the article and cite where; if it doesn't say, you'll be told."
        )
        with gr.Row():
            article = gr.Dropdown(choices=initial, value=default, label="Article", scale=3)
            llm = gr.Dropdown(
                choices=list(BACKENDS),
                value=settings.llm,
                label="Answerer (extractive needs no LLM)",
                scale=1,
            )
            with gr.Column(scale=2):
                upload_box = gr.File(
                    label="Add an article (.txt, .md, .html, .pdf)",
                    file_types=[".txt", ".md", ".html", ".htm", ".pdf"],
                )
                with gr.Row():
                    url_box = gr.Textbox(placeholder="…or paste an article URL", show_label=False, scale=4)
                    url_btn = gr.Button("Add URL", scale=1)
        status = gr.Markdown("")
        chat = gr.Chatbot(
            label="Chat", height=480, sanitize_html=True, render_markdown=False, buttons=["copy", "copy_all"]
        )
        with gr.Row():
            box = gr.Textbox(placeholder="Ask a question about the article…", show_label=False, scale=8)
            send = gr.Button("Ask", variant="primary", scale=1)
            clear = gr.Button("Clear chat", scale=1)
        examples = gr.Dataset(
            components=[box],
            samples=[[q] for q in (example_questions(engine, default) if default else [])],
            label="Examples",
        )
        examples.click(lambda ex: ex[0], examples, box)
        box.submit(respond, [box, chat, article, llm], [box, chat], api_visibility="private")
        send.click(respond, [box, chat, article, llm], [box, chat], api_visibility="private")
        clear.click(lambda: ([], ""), None, [chat, box], api_visibility="private")
        article.change(lambda n: ([], _examples(n)), article, [chat, examples], api_visibility="private")
        # Picking an article or an answerer warms what its first question needs, in the background.
        for picker in (article, llm):
            picker.change(
                lambda n, b: warm_in_background(engine, n, b), [article, llm], None, api_visibility="private"
            )
        url_btn.click(upload, url_box, [article, status, examples, url_box], api_visibility="private")
        upload_box.upload(
            upload, upload_box, [article, status, examples, upload_box], api_visibility="private"
        )
        gr.api(api_chat, api_name="chat")
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> None:
    """Launch the UI; binds loopback unless told otherwise, never a share link."""
    auth = auth or os.environ.get("RAG_AUTH") or None
    creds = None
    if auth:
        if ":" not in auth:
            raise RagError("--auth takes USER:PASS.")
        user, pw = auth.split(":", 1)
        creds = [(user, pw)]
    if host not in ("127.0.0.1", "localhost", "::1") and not creds:
        print("warning: serving beyond this machine without --auth; anyone who can reach it can use it.")
    app = build(settings)
    # Load the models now, so the first question does not pay for them.
    engine = get_engine(settings)
    warm_in_background(engine, _default_article([a.name for a in engine.articles()]), settings.llm)
    app.queue(default_concurrency_limit=4)
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=creds,
        max_file_size=MAX_UPLOAD,
        css=CSS,
        footer_links=["api"],
        show_error=False,
        quiet=True,
    )
