"""The `rag` command in-process (hash embedder): exit codes, messages, JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cli import main
from tests.conftest import SEED, SEED_NAME


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("RAG_EMBEDDER", "hash")


def test_ingest_list_ask_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(SEED)]) == 0
    assert "indexed" in capsys.readouterr().out
    assert main(["ingest", str(SEED)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert main(["list"]) == 0
    assert SEED_NAME in capsys.readouterr().out
    assert main(["ask", "What did Zhou Yu say about start-ups in the U.S.?", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) >= {"question", "answer", "refused", "citations", "timings_ms"}
    for c in d["citations"]:
        assert set(c) >= {"n", "article", "chunk_id", "start", "end", "text", "quote", "score"}
    assert main(["show", SEED_NAME]) == 0
    assert capsys.readouterr().out == SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", ""], "Please type a question."),
        (["ask", "x" * 10_000], "10,000 characters"),
        (["ask", "Hi?", "--article", "nope"], "No article named 'nope'"),
        (["ingest", "/no/such/file.txt"], "No such file"),
        (["show", "nope"], "No article named"),
        (["eval", "--dataset", "/no/such.jsonl"], "No such dataset file"),
    ],
)
def test_bad_input_exit_2_one_sentence(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", str(SEED)])
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_empty_library_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "Anything?"]) == 2
    assert "library is empty" in capsys.readouterr().err


def test_eval_writes_contract_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["eval", "--source", str(SEED), "--out", str(out)]) == 0
    preds = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert preds and set(preds[0]) >= {
        "id",
        "question",
        "answer",
        "refused",
        "citations",
        "retrieved",
        "latency_ms",
    }
    assert set(preds[0]["retrieved"][0]) >= {"chunk_id", "start", "end", "text", "score"}
    summary = json.loads((out / "summary.json").read_text())
    assert {"metrics", "settings", "versions"} <= set(summary)
    assert (out / "report.md").read_text().startswith("# Eval report")
    assert "evidence hit@3" in capsys.readouterr().out


def test_benchmark_runs_on_shared_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench"
    argv = ["eval", "--benchmark", "squad2", "--split", "dev", "--max-docs", "1", "--max-questions", "4"]
    assert main([*argv, "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["n"] == 4 and summary["split"] == "dev"
    assert "squad2/dev" in capsys.readouterr().out


def test_changed_embedder_refused_then_reindex_rebuilds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(SEED)]) == 0
    capsys.readouterr()
    assert main(["--embedder", "hash-128", "list"]) == 2
    assert "rag reindex" in capsys.readouterr().err
    assert main(["--embedder", "hash-128", "reindex"]) == 0
    assert "re-indexed" in capsys.readouterr().out
    assert main(["--embedder", "hash-128", "ask", "What did Zhou Yu say about start-ups in the U.S.?"]) == 0
    assert "[1]" in capsys.readouterr().out


def test_list_flags_articles_chunked_differently(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(SEED)]) == 0
    monkeypatch.setenv("RAG_CHUNK_MAX_CHARS", "400")
    capsys.readouterr()
    assert main(["list"]) == 0
    assert "run `rag reindex`" in capsys.readouterr().out


def test_compare_answerers_prints_one_row_per_answerer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.evaluation import compare_answerers

    assert main(["ingest", str(SEED)]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.argv", ["x", "--specs", "extractive", "--out", str(tmp_path / "cmp")])
    assert compare_answerers.main() == 0
    table = capsys.readouterr().out.strip().splitlines()
    assert table[0].startswith("| answerer | key-fact recall") and table[2].startswith("| extractive | ")
    assert json.loads((tmp_path / "cmp" / "answerers.json").read_text())["extractive"]["n"] > 50
