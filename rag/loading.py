"""Turn a file into an Article: exact text (offsets stay valid) plus title/date/byline."""

from __future__ import annotations

import re
from pathlib import Path

from rag.errors import InputError
from rag.types import Article

MAX_BYTES = 20 * 1024 * 1024
SUPPORTED = (".txt", ".md", ".markdown", ".text")

_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4})\b"
)
_BYLINE = re.compile(
    r"^\s*(?:By\s+[A-Z][^\n]{2,60}|[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3}\s*/\s*[A-Z][^\n]{2,40})\s*$"
)


def article_name(path: str | Path) -> str:
    """The default NAME of an article: its file name without extension."""
    return Path(str(path)).stem


def load_article(path: str | Path, name: str | None = None) -> Article:
    """Read a .txt/.md file as UTF-8 and return an Article; raise InputError with one sentence."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"No such file: {p}.")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not an article file.")
    if p.suffix.lower() not in SUPPORTED:
        raise InputError(
            f"{p.name}: unsupported file type {p.suffix or '(none)'}; use one of {', '.join(SUPPORTED)}."
        )
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{p.name} is {size // 1_000_000} MB; the limit is {MAX_BYTES // 1_000_000} MB.")
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"Cannot read {p}: {e.strerror or e}.") from None
    return article_from_bytes(data, name or article_name(p), source=str(p))


def article_from_bytes(data: bytes, name: str, source: str = "") -> Article:
    """Decode and validate raw bytes as an article's text."""
    label = source or name
    if b"\x00" in data[:8192]:
        raise InputError(f"{label} looks like a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{label} is not valid UTF-8 text.") from None
    return article_from_text(text, name, source=source)


def article_from_text(text: str, name: str, source: str = "") -> Article:
    """Build an Article from text, picking up title, date and byline when the text has them."""
    label = source or name
    if not name or not re.fullmatch(r"[\w][\w.\-]{0,119}", name):
        raise InputError(
            f"Article name {name!r} must be 1-120 letters, digits, '.', '-' or '_', starting with a letter or digit."
        )
    if not text.strip():
        raise InputError(f"{label} is empty: there is no text to index.")
    if sum(ch.isalpha() for ch in text) < 20:
        raise InputError(f"{label} has almost no words to index.")
    title, date, byline = _metadata(text)
    return Article(name=name, text=text, title=title, date=date, byline=byline, source=source)


def _metadata(text: str) -> tuple[str, str, str]:
    """Title: a Markdown heading or a short first line; date and byline from the first lines."""
    head = [ln.strip() for ln in text.splitlines()[:12] if ln.strip()]
    title = date = byline = ""
    for ln in head:
        if not date and (m := _DATE.search(ln)) and len(ln) < 60:
            date = m.group(1)
            continue
        if not byline and _BYLINE.match(ln):
            byline = ln
            continue
        if not title and ln.startswith("#"):
            title = ln.lstrip("#").strip()
        elif not title and len(ln) < 120 and not ln.endswith((".", ",", ";")) and len(ln.split()) >= 3:
            title = ln
    return title, date, byline
