"""Turn a file into an Article: exact text (offsets stay valid) plus title/date/byline."""

from __future__ import annotations

import re
from pathlib import Path

from rag.errors import InputError
from rag.types import Article

MAX_BYTES = 20 * 1024 * 1024
TEXT_TYPES = (".txt", ".md", ".markdown", ".text")
SUPPORTED = (*TEXT_TYPES, ".html", ".htm", ".pdf")
URL_TIMEOUT = 15.0

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
    """Read a file (txt, md, html, pdf) or an http(s) URL into an Article; InputError in one sentence."""
    if str(path).startswith(("http://", "https://")):
        return load_url(str(path), name)
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
    kind = {".html": "html", ".htm": "html", ".pdf": "pdf"}.get(p.suffix.lower(), "text")
    return article_from_bytes(data, name or article_name(p), source=str(p), kind=kind)


def load_url(url: str, name: str | None = None) -> Article:
    """Fetch an http(s) URL (timeout, size cap) and load it by its content type."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlparse

    req = urllib.request.Request(url, headers={"User-Agent": "ask-the-article/0.1"})
    try:
        with urllib.request.urlopen(req, timeout=URL_TIMEOUT) as resp:
            ctype = resp.headers.get_content_type()
            data = resp.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as e:
        raise InputError(f"{url} answered HTTP {e.code}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise InputError(f"Cannot fetch {url}: {reason}.") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{url} is larger than {MAX_BYTES // 1_000_000} MB.")
    kind = "pdf" if ctype == "application/pdf" else "html" if "html" in ctype else "text"
    if kind == "text" and not ctype.startswith("text/"):
        raise InputError(f"{url} is {ctype}, not an article (text, HTML or PDF).")
    stem = Path(urlparse(url).path).stem or urlparse(url).hostname or "web-article"
    return article_from_bytes(data, name or _safe_name(stem), source=url, kind=kind)


def _safe_name(stem: str) -> str:
    s = re.sub(r"[^\w.\-]+", "-", stem).strip("-.")
    return s[:120] or "article"


def decode_text(data: bytes, label: str) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252/latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{label} has a UTF-16 mark but is not valid UTF-16.") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{label} looks like a binary file, not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Legacy Western files: cp1252 is a superset of latin-1's printable range.
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > len(text) // 100:
        raise InputError(f"{label} is not readable text (not UTF-8, UTF-16 or cp1252).")
    return text


def article_from_bytes(data: bytes, name: str, source: str = "", kind: str = "text") -> Article:
    """Decode and validate raw bytes (text, html or pdf) as an article."""
    label = source or name
    if kind == "pdf":
        from rag.extract import pdf_text

        text, meta = pdf_text(data, label)
        return article_from_text(text, name, source=source, **meta)
    text = decode_text(data, label)
    if kind == "html":
        from rag.extract import html_text

        body, meta = html_text(text)
        return article_from_text(body, name, source=source, **meta)
    return article_from_text(text, name, source=source)


def article_from_text(
    text: str, name: str, source: str = "", title: str = "", date: str = "", byline: str = ""
) -> Article:
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
    t, d, b = _metadata(text)
    return Article(name=name, text=text, title=title or t, date=date or d, byline=byline or b, source=source)


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
