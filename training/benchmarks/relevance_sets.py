"""Build the judged sets of ``make bench-relevance`` from public repository snapshots.

``python -m training.benchmarks.relevance_sets OUT_DIR --norquad GIT_DIR --mtrag GIT_DIR``
writes ``OUT_DIR/norquad`` and ``OUT_DIR/mtrag-fiqa`` in the layout
``training.benchmarks.relevance`` reads (``corpus.jsonl``, ``queries.jsonl``, ``qrels.tsv``).
``GIT_DIR`` is a bare clone or mirror (read with ``git show``, no work tree needed):

* NorQuAD (``github.com/ltgoslo/NorQuAD``, CC0-1.0, read at ``701f7db``): the test and validation
  splits (``data/evaluation/all/{test,validation}_dataset_flattened.json``); one corpus row per
  paragraph (its first line is its title), one query per question, qrel = (question, its
  paragraph).
* MT-RAG FiQA (``github.com/pashaAbri/mt-rag-benchmark``, Apache-2.0, read at ``8bb7127``): the
  standalone rewritten questions (``human/retrieval_tasks/fiqa/fiqa_rewrite.jsonl``, the
  ``|user|:`` marker dropped) and their judgements (``human/retrieval_tasks/fiqa/qrels/dev.tsv``);
  the corpus is every FiQA passage that one of the repository's published retrieval runs
  (``scripts/baselines/retrieval_scripts/*/results/*fiqa*.jsonl``) returned, so the distractors
  are hard ones; judgements of passages no run returned are dropped.

Never write the output into the repository (docs/benchmarks.md, "The sets").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

NORQUAD_FILES = (
    "data/evaluation/all/test_dataset_flattened.json",
    "data/evaluation/all/validation_dataset_flattened.json",
)
MTRAG_QUERIES = "human/retrieval_tasks/fiqa/fiqa_rewrite.jsonl"
MTRAG_QRELS = "human/retrieval_tasks/fiqa/qrels/dev.tsv"


def _git_show(git_dir: Path, path: str) -> str:
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode("utf-8")


def _git_ls(git_dir: Path) -> list[str]:
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        check=True,
        text=True,
    )
    return out.stdout.splitlines()


def _write(
    out: Path,
    corpus: dict[str, dict[str, str]],
    queries: dict[str, str],
    qrels: list[tuple[str, str, int]],
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for cid, row in corpus.items():
            fh.write(json.dumps({"_id": cid, **row}, ensure_ascii=False) + "\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for qid, text in queries.items():
            fh.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    with (out / "qrels.tsv").open("w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for q, d, s in qrels:
            fh.write(f"{q}\t{d}\t{s}\n")


def build_norquad(git_dir: Path, out: Path) -> tuple[int, int]:
    corpus: dict[str, dict[str, str]] = {}
    queries: dict[str, str] = {}
    qrels: list[tuple[str, str, int]] = []
    by_text: dict[str, str] = {}  # a paragraph asked about in both splits is one document
    for name in NORQUAD_FILES:
        data: dict[str, Any] = json.loads(_git_show(git_dir, name))
        split = name.rsplit("/", 1)[1].split("_", 1)[0]
        for article in data["data"]:
            for para in article["paragraphs"]:
                context = str(para["context"]).strip()
                doc_id = by_text.setdefault(context, f"p{len(by_text)}")
                first, _, rest = context.partition("\n")
                corpus.setdefault(doc_id, {"title": first.strip(), "text": rest.strip() or first})
                for qa in para["qas"]:
                    qid = f"{split}-{qa['id']}"
                    queries[qid] = str(qa["question"]).strip()
                    qrels.append((qid, doc_id, 1))
    _write(out, corpus, queries, qrels)
    return len(corpus), len(queries)


def build_mtrag_fiqa(git_dir: Path, out: Path) -> tuple[int, int]:
    corpus: dict[str, dict[str, str]] = {}
    runs = [
        p
        for p in _git_ls(git_dir)
        if p.startswith("scripts/baselines/retrieval_scripts/")
        and "/results/" in p
        and "fiqa" in p.rsplit("/", 1)[1]
        and p.endswith(".jsonl")
    ]
    for path in runs:
        for line in _git_show(git_dir, path).splitlines():
            if not line.strip():
                continue
            for ctx in json.loads(line).get("contexts") or []:
                doc = str(ctx.get("document_id") or "")
                if doc and doc not in corpus:
                    corpus[doc] = {"title": "", "text": str(ctx.get("text") or "").strip()}
    queries: dict[str, str] = {}
    for line in _git_show(git_dir, MTRAG_QUERIES).splitlines():
        if line.strip():
            row = json.loads(line)
            text = str(row["text"]).replace("|user|:", " ").strip()
            queries[str(row["_id"])] = " ".join(text.split())
    qrels: list[tuple[str, str, int]] = []
    for line in _git_show(git_dir, MTRAG_QRELS).splitlines()[1:]:
        q, d, s = line.split("\t")[:3]
        if q in queries and d in corpus and int(float(s)) > 0:
            qrels.append((q, d, int(float(s))))
    judged = {q for q, _, _ in qrels}
    _write(out, corpus, {q: t for q, t in queries.items() if q in judged}, qrels)
    return len(corpus), len(judged)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.benchmarks.relevance_sets")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--norquad", type=Path, help="git dir of ltgoslo/NorQuAD")
    parser.add_argument("--mtrag", type=Path, help="git dir of pashaAbri/mt-rag-benchmark")
    args = parser.parse_args(argv)
    if args.norquad:
        docs, qs = build_norquad(args.norquad, args.out_dir / "norquad")
        print(f"norquad: {docs} paragraphs, {qs} questions")
    if args.mtrag:
        docs, qs = build_mtrag_fiqa(args.mtrag, args.out_dir / "mtrag-fiqa")
        print(f"mtrag-fiqa: {docs} passages, {qs} judged questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
