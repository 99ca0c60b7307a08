"""Main text out of HTML (BeautifulSoup) and PDF (pypdf): the only module importing either."""

from __future__ import annotations

import io
import re
from typing import Any

from rag.errors import InputError

_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button")
_BLOCKS = (
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "figcaption",
    "td",
    "div",
    "section",
)
_BOILER = re.compile(
    r"\b(cookie|subscribe|newsletter|share|related|advert|promo|comment|breadcrumb|menu)\b", re.I
)


def html_text(html: str) -> tuple[str, dict[str, str]]:
    """(main text with blank lines between blocks, {title, date, byline}) of an HTML page."""
    from bs4 import BeautifulSoup

    soup: Any = BeautifulSoup(html, "html.parser")
    meta = {
        "title": _meta(soup, "og:title") or (soup.title.get_text(strip=True) if soup.title else ""),
        "date": (_meta(soup, "article:published_time") or _time(soup))[:10],
        "byline": _meta(soup, "author") or _byline(soup),
    }
    for tag in soup(_DROP):
        tag.decompose()
    for tag in soup.find_all(attrs={"class": _BOILER}) + soup.find_all(attrs={"id": _BOILER}):
        if tag.name not in ("body", "main", "article"):
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks: list[str] = []
    for el in root.find_all(_BLOCKS):
        if el.find(_BLOCKS):
            continue  # only leaf blocks, so text is not repeated
        text = " ".join(el.get_text(" ", strip=True).split())
        if text:
            blocks.append(text)
    if not blocks:
        blocks = [" ".join(root.get_text(" ", strip=True).split())]
    body = "\n\n".join(b for b in blocks if b)
    if meta["title"] and not body.startswith(meta["title"]):
        body = meta["title"] + "\n\n" + body
    return body, meta


def _meta(soup: Any, key: str) -> str:
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    return str(tag.get("content", "")).strip() if tag else ""


def _time(soup: Any) -> str:
    t = soup.find("time")
    return str(t.get("datetime") or t.get_text(strip=True)) if t else ""


def _byline(soup: Any) -> str:
    el = soup.find(attrs={"rel": "author"}) or soup.find(attrs={"class": re.compile(r"byline|author", re.I)})
    return " ".join(el.get_text(" ", strip=True).split())[:120] if el else ""


def pdf_text(data: bytes, label: str) -> tuple[str, dict[str, str]]:
    """(text of every page, {title, date, byline}) of a PDF's text layer."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(p.extract_text() or "").strip() for p in reader.pages]
        info: Any = reader.metadata or {}
    except (PdfReadError, ValueError, OSError) as e:
        raise InputError(f"{label} is not a readable PDF ({e}).") from None
    text = "\n\n".join(p for p in pages if p)
    if sum(ch.isalpha() for ch in text) < 20:
        raise InputError(f"{label} has no text layer (a scanned or image-only PDF?); it cannot be indexed.")
    meta = {
        "title": str(info.get("/Title", "") or ""),
        "byline": str(info.get("/Author", "") or ""),
        "date": "",
    }
    return text, meta
