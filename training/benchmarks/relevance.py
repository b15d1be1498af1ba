"""Context relevance on public judged retrieval sets: ``make bench-relevance`` (printed only).

Each set is a directory in the BEIR layout: ``corpus.jsonl`` (``_id``, ``title``, ``text``),
``queries.jsonl`` (``_id``, ``text``) and ``qrels.tsv`` (``query-id``, ``corpus-id``, ``score``
with a header). Sets are read from ``HERALD_RELEVANCE_SETS`` (directories separated by ``:``), by
default every directory under ``../data/relevance`` beside the repository; they are never copied
into the repository (provenance, licences and how to build them: docs/benchmarks.md). Without any
set the benchmark says so and exits 0.

Per set, as a user would meet it:

1. a temporary SQLite Herald (``create_app``, production defaults apart from the database);
2. the corpus imported as approved articles through ``POST /api/v1/articles/import`` (JSON Lines;
   title = the document's title or its first words, body = the text, language detected by
   ``recommender.language``), subsampled to ``--max-docs`` documents that always include every
   judged document of the sampled queries (the rest drawn at random, seed 0);
3. a fresh employee created through ``POST /api/v1/employees`` (no history, default languages);
4. every sampled query sent as the page context (``page_type: post``) to
   ``POST /api/v1/suggestions`` with ``limit: 10``: **Herald as served** (the served ranker with
   its personal and promotion signals, diversity, the relevance band), timed per request;
5. on the same worker's catalog, the same query's top 10 by **BM25 alone**
   (``recommender.lexical``), **dense alone** (the configured encoder's cosine) and **hybrid**
   (``recommender.relevance.fuse`` of the two with the served weights, no personal signals).

nDCG@10 (graded qrels) and Recall@10 per method, the per-query latency of the served call
(p50/p99 ms, Flask test client in process), and the load average.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recommender.encoders import DEFAULT_ENCODER
from recommender.language import detect
from recommender.lexical import query_terms
from recommender.onnx_export import default_cache_dir
from recommender.relevance import dense_weight_for, fuse
from recommender.text import context_lexical_text, context_text

ENV = "HERALD_RELEVANCE_SETS"
K = 10
TITLE_WORDS = 12


@dataclass
class RetrievalSet:
    name: str
    corpus: dict[str, tuple[str, str]]  # id → (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    dev: dict[str, str] | None = None  # tuning queries, disjoint from ``queries``


def default_dirs() -> list[Path]:
    env = os.environ.get(ENV)
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    root = Path(__file__).resolve().parents[2].parent / "data" / "relevance"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_set(path: Path) -> RetrievalSet:
    corpus = {
        str(r["_id"]): (str(r.get("title") or ""), str(r.get("text") or ""))
        for r in _jsonl(path / "corpus.jsonl")
    }
    queries = {str(r["_id"]): str(r["text"]) for r in _jsonl(path / "queries.jsonl")}
    qrels: dict[str, dict[str, int]] = {}
    with (path / "qrels.tsv").open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            q, d, s = line.rstrip("\n").split("\t")[:3]
            if int(float(s)) > 0 and d in corpus and q in queries:
                qrels.setdefault(q, {})[d] = int(float(s))
    return RetrievalSet(path.name, corpus, queries, qrels)


def subsample(
    rs: RetrievalSet, max_docs: int, max_queries: int, seed: int = 0, dev_queries: int = 0
) -> RetrievalSet:
    """``max_queries`` test queries (seed 0, as before), up to ``dev_queries`` other queries for
    tuning (never the test ones), and a catalog holding every judged document of both."""
    rng = np.random.default_rng(seed)
    qids = sorted(rs.qrels)
    if len(qids) > max_queries:
        qids = sorted(rng.choice(qids, max_queries, replace=False).tolist())
    dev = sorted(set(rs.qrels) - set(qids))
    if len(dev) > dev_queries:
        dev = sorted(
            np.random.default_rng(seed + 1).choice(dev, dev_queries, replace=False).tolist()
        )
    judged = {d for q in [*qids, *dev] for d in rs.qrels[q]}
    rest = sorted(set(rs.corpus) - judged)
    room = max(max_docs - len(judged), 0)
    if len(rest) > room:
        rest = sorted(rng.choice(rest, room, replace=False).tolist())
    keep = judged | set(rest)
    return RetrievalSet(
        rs.name,
        {d: rs.corpus[d] for d in sorted(keep)},
        {q: rs.queries[q] for q in qids},
        {q: rs.qrels[q] for q in [*qids, *dev]},
        {q: rs.queries[q] for q in dev} if dev else None,
    )


def ndcg_at_k(ranked: list[str], rels: dict[str, int], k: int = K) -> float:
    dcg = sum((2 ** rels.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rels.values(), reverse=True)[:k]
    idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: list[str], rels: dict[str, int], k: int = K) -> float:
    return len(set(ranked[:k]) & set(rels)) / len(rels) if rels else 0.0


def load_avg() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _title(title: str, text: str) -> str:
    words = (title or text).split()
    t = " ".join(words[:TITLE_WORDS]) or "Untitled"
    return t[:200]


def run_set(rs: RetrievalSet, encoder_name: str) -> list[str]:
    from backend import create_app
    from backend.cli import upgrade_database
    from backend.extensions import db
    from backend.services.employees import create_admin
    from backend.services.recommender_runtime import runtime
    from recommender.encoders import OnnxMiniLMEncoder, get_encoder

    cache_dir = os.environ.get("HERALD_MODEL_CACHE_DIR") or str(default_cache_dir())
    built = get_encoder(encoder_name, cache_dir=cache_dir)
    if isinstance(built, OnnxMiniLMEncoder):
        built.prepare()  # build the ONNX export first: a worker without one serves degraded
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/relevance.db",
                "ARTIFACTS_DIR": f"{tmp}/artifacts",
                "ENCODER": encoder_name,
                # Reuse a built ONNX export (minutes to build) across runs.
                "MODEL_CACHE_DIR": cache_dir,
                "RATELIMIT_ENABLED": False,
                "RECOMMENDER_WARMUP": False,
                "RECOMMENDER_BACKGROUND_EMBED": False,
                "SECRET_KEY": "relevance-benchmark-" + "x" * 32,
            }
        )
        with app.app_context():
            upgrade_database()
            admin_token, _ = create_admin("bench@example.com")
            db.session.commit()
        client = app.test_client()
        admin = {"Authorization": f"Bearer {admin_token}"}
        url_of: dict[str, str] = {}
        rows = []
        for i, (doc_id, (title, text)) in enumerate(rs.corpus.items()):
            url = f"https://bench.example.com/{rs.name}/{i}"
            url_of[url] = doc_id
            rows.append(
                {
                    "canonical_url": url,
                    "title": _title(title, text),
                    "body": text[:20000],
                    "language": detect(text) or "en",
                    "status": "approved",
                }
            )
        t0 = time.perf_counter()
        for start in range(0, len(rows), 300):
            payload = "\n".join(json.dumps(r) for r in rows[start : start + 300])
            resp = client.post(
                "/api/v1/articles/import",
                data=payload.encode(),
                headers={**admin, "Content-Type": "application/x-ndjson"},
            )
            assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        resp = client.post(
            "/api/v1/employees",
            json={"email": "fresh@example.com", "name": "Fresh Employee"},
            headers=admin,
        )
        assert resp.status_code == 201, resp.get_data(as_text=True)[:500]
        fresh: dict[str, Any] = resp.get_json()
        with app.app_context():
            from backend.models import Employee, utcnow
            from backend.services.employees import issue_token

            person = db.session.get(Employee, fresh["id"])
            assert person is not None
            token, _ = issue_token(person, "employee", 1)
            db.session.commit()
            rt = runtime(app)
            model = rt.serving()
            encoder = model.encoder
            assert encoder is not None, "the benchmark needs an encoder"
            from backend.services.recommender_runtime import embed_pending

            while embed_pending(encoder, limit=512, batch_size=64):
                pass
            state = rt.current_catalog(encoder, utcnow())
            catalog = state.catalog
        print(
            f"  {rs.name}: {len(rows)} articles imported and embedded in "
            f"{time.perf_counter() - t0:.0f} s; languages {sorted(set(catalog.languages))};"
            f" fresh employee reads {fresh['languages']}",
            flush=True,
        )
        headers = {"Authorization": f"Bearer {token}"}
        id_of_article = {}
        with app.app_context():
            from backend.models import Article

            for aid, url in db.session.execute(db.select(Article.id, Article.canonical_url)).all():
                id_of_article[int(aid)] = url_of.get(url, "")
        doc_at = [id_of_article.get(int(a), "") for a in catalog.article_ids.tolist()]
        results: dict[str, list[tuple[float, float]]] = {
            m: [] for m in ("BM25 alone", "dense alone", "hybrid", "Herald as served")
        }
        latencies = []
        assert catalog.lexical is not None
        for qid, text in rs.queries.items():
            rels = rs.qrels[qid]
            t0 = time.perf_counter()
            resp = client.post(
                "/api/v1/suggestions",
                json={"context": {"page_type": "post", "text": text}, "limit": K},
                headers=headers,
            )
            latencies.append(time.perf_counter() - t0)
            assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
            items = resp.get_json()["items"]
            served = [id_of_article.get(int(i["article_id"]), "") for i in items]
            terms = query_terms(context_lexical_text(text), catalog.lexical.languages_)
            lex = catalog.lexical.scores(terms)
            dense = catalog.embeddings @ encoder.encode_one(context_text(text), kind="query")
            weight = dense_weight_for(detect(context_text(text)), encoder.languages)
            for name, values in (
                ("BM25 alone", lex.astype(np.float64)),
                ("dense alone", dense.astype(np.float64)),
                ("hybrid", fuse(dense, lex, dense_weight=weight)),
                (
                    "Herald as served",
                    None,
                ),
            ):
                ranked = (
                    served
                    if values is None
                    else [doc_at[i] for i in np.argsort(-values, kind="stable")[:K]]
                )
                results[name].append((ndcg_at_k(ranked, rels), recall_at_k(ranked, rels)))
        tuning = _tune(rs, catalog, encoder, doc_at) if rs.dev else []
        p50, p99 = (float(np.percentile(np.array(latencies) * 1000, q)) for q in (50, 99))
        lines.append(
            f"### {rs.name}: {len(rs.corpus):,} articles, {len(rs.queries)} queries, "
            f"encoder {encoder.name}, load {load_avg()}"
        )
        lines.append("")
        lines.append("| method | nDCG@10 | Recall@10 |")
        lines.append("|---|---|---|")
        for name, vals in results.items():
            arr = np.array(vals)
            lines.append(f"| {name} | {arr[:, 0].mean():.3f} | {arr[:, 1].mean():.3f} |")
        lines.append("")
        lines.append(
            f"Herald as served, per query (POST /api/v1/suggestions, test client): "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )
        lines.extend(tuning)
        with app.app_context():
            db.engine.dispose()
    return lines


TUNE_WEIGHTS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)


def _tune(rs: RetrievalSet, catalog: Any, encoder: Any, doc_at: list[str]) -> list[str]:
    """nDCG@10 of the convex fusion per dense weight on the *dev* queries (never the test ones):
    where the served weights come from (docs/benchmarks.md)."""
    assert rs.dev is not None and catalog.lexical is not None
    by_weight: dict[float, list[float]] = {w: [] for w in TUNE_WEIGHTS}
    for qid, text in rs.dev.items():
        rels = rs.qrels[qid]
        terms = query_terms(context_lexical_text(text), catalog.lexical.languages_)
        lex = catalog.lexical.scores(terms)
        dense = catalog.embeddings @ encoder.encode_one(context_text(text), kind="query")
        for w in TUNE_WEIGHTS:
            values = fuse(dense, lex, dense_weight=w)
            ranked = [doc_at[i] for i in np.argsort(-values, kind="stable")[:K]]
            by_weight[w].append(ndcg_at_k(ranked, rels))
    best = max(TUNE_WEIGHTS, key=lambda w: float(np.mean(by_weight[w])))
    cells = " | ".join(f"{np.mean(by_weight[w]):.3f}" for w in TUNE_WEIGHTS)
    return [
        "",
        f"Dev queries ({len(rs.dev)}, disjoint from the test queries above): nDCG@10 of the "
        f"convex fusion by dense weight (0 = BM25 alone, 1 = dense alone); best {best}",
        "",
        "| " + " | ".join(str(w) for w in TUNE_WEIGHTS) + " |",
        "|" + "---|" * len(TUNE_WEIGHTS),
        f"| {cells} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", help="set directories (default: $HERALD_RELEVANCE_SETS)")
    parser.add_argument("--encoder", default=os.environ.get("HERALD_ENCODER", DEFAULT_ENCODER))
    parser.add_argument("--max-docs", type=int, default=3000)
    parser.add_argument("--max-queries", type=int, default=100)
    parser.add_argument(
        "--dev-queries",
        type=int,
        default=0,
        help="also score fusion weights on up to N other queries (tuning; 0 = skip)",
    )
    args = parser.parse_args(argv)
    dirs = [Path(p) for p in args.sets] or default_dirs()
    dirs = [d for d in dirs if (d / "corpus.jsonl").is_file()]
    if not dirs:
        print(
            f"bench-relevance: no retrieval set found (set {ENV} to directories holding "
            "corpus.jsonl, queries.jsonl and qrels.tsv; see docs/benchmarks.md) - skipped"
        )
        return 0
    for d in dirs:
        rs = subsample(load_set(d), args.max_docs, args.max_queries, dev_queries=args.dev_queries)
        print(
            f"{rs.name}: {len(rs.corpus)} documents, {len(rs.queries)} judged queries", flush=True
        )
        print("\n".join(run_set(rs, args.encoder)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
