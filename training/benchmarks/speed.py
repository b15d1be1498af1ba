"""Speed benchmark: ``python -m training.benchmarks.speed`` (printed, never asserted).

* p50/p99 of one suggestion in process (encoder + features + ranker + MMR over an in-memory
  catalog) for 1k, 10k and 100k articles, without and with a fresh 100-word context;
* the same over HTTP through the Flask test client against a temporary SQLite database
  (catalog embeddings are random unit vectors: embedding 100k real articles would take minutes);
* the article embedding rate with the real encoder, and the process RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import logging
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from recommender.encoders import Encoder, get_encoder
from recommender.engine import Catalog, Request, limit_blas_threads, recommend
from recommender.ranker import EngagementRanker
from recommender.text import article_text, content_hash, context_text

WORDS = (
    "cloud security zero trust hybrid work customers data platform analytics sales pipeline "
    "engineering kubernetes cost compliance audit growth launch partner ecosystem sustainability "
    "energy talent hiring culture leadership quarterly results product roadmap ai models"
).split()


def fresh_text(rng: np.random.Generator, n: int = 100) -> str:
    return " ".join(rng.choice(WORDS, size=n).tolist()) + f" {rng.integers(1_000_000)}"


def percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.array(samples) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def time_calls(fn: Callable[[], object], n: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def random_catalog(n: int, dim: int, rng: np.random.Generator) -> Catalog:
    emb = rng.standard_normal((n, dim), dtype=np.float32)  # no float64 copy: it inflates peak RSS
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    now = time.time()
    return Catalog(
        article_ids=np.arange(1, n + 1, dtype=np.int64),
        embeddings=emb,
        languages=np.array(["en"] * n, dtype="<U2"),
        published_ts=now - rng.random(n) * 30 * 86400,
        campaign_priority=np.zeros(n, dtype=np.float32),
    )


def in_process(encoder: Encoder, sizes: list[int], n: int) -> list[str]:
    rng = np.random.default_rng(0)
    ranker = EngagementRanker.with_defaults()
    role = encoder.encode_one("Account executive, Sales. Cloud security customers", kind="query")
    lines = []
    for size in sizes:
        cat = random_catalog(size, encoder.dim, rng)
        pop = {int(i): float(rng.integers(1, 20)) for i in rng.choice(size, 200)}

        def no_ctx(cat: Catalog = cat, pop: dict[int, float] = pop) -> object:
            req = Request(now_ts=time.time(), role_vec=role, popularity=pop)
            return recommend(cat, req, ranker, limit=5)

        def with_ctx(cat: Catalog = cat, pop: dict[int, float] = pop) -> object:
            vec = encoder.encode_one(context_text(fresh_text(rng)), kind="query")
            req = Request(now_ts=time.time(), context_vec=vec, role_vec=role, popularity=pop)
            return recommend(cat, req, ranker, limit=5)

        for label, fn in (("no context", no_ctx), ("fresh 100-word context", with_ctx)):
            p50, p99 = time_calls(fn, n)
            lines.append(f"| in process | {size:,} | {label} | {p50:.1f} | {p99:.1f} |")
            print(lines[-1], flush=True)
        RSS_WITH[size] = current_rss_mb()
    return lines


RSS_WITH: dict[int, float] = {}  # catalog size → RSS with that catalog and the encoder loaded


def current_rss_mb() -> float:
    """Resident set size now (Linux /proc; 0 where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def over_http(encoder_name: str, encoder: Encoder, sizes: list[int], n: int) -> list[str]:
    from backend import create_app
    from backend.cli import upgrade_database
    from backend.extensions import db
    from backend.models import Article, ArticleEmbedding, Employee
    from backend.services.employees import issue_token

    rng = np.random.default_rng(1)
    lines = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/speed.db",
                    "ARTIFACTS_DIR": f"{tmp}/artifacts",
                    "ENCODER": encoder_name,
                    "RATELIMIT_ENABLED": False,
                    "SECRET_KEY": "speed-benchmark-" + "x" * 32,
                }
            )
            with app.app_context():
                upgrade_database()
                now = dt.datetime.now(dt.UTC)
                emb = random_catalog(size, encoder.dim, rng).embeddings
                articles: list[dict[str, Any]] = [
                    {
                        "id": i + 1,
                        "canonical_url": f"https://example.com/a/{i}",
                        "title": f"Article {i} about {' '.join(rng.choice(WORDS, 4))}",
                        "summary": "",
                        "body": "",
                        "language": "en",
                        "tags": [],
                        "status": "approved",
                        "approved_at": now,
                        "published_at": now,
                        "created_at": now,
                        "updated_at": now - dt.timedelta(seconds=1),
                    }
                    for i in range(size)
                ]
                db.session.execute(sa_insert(Article), articles)
                db.session.execute(
                    sa_insert(ArticleEmbedding),
                    [
                        {
                            "article_id": a["id"],
                            "encoder": encoder.name,
                            "content_hash": content_hash(article_text(a["title"]), encoder.name),
                            "dim": encoder.dim,
                            "vector": emb[k].astype("<f4").tobytes(),
                            "created_at": now,
                        }
                        for k, a in enumerate(articles)
                    ],
                )
                person = Employee(
                    email="speed@example.com",
                    name="Speed",
                    department="Sales",
                    job_title="Account Executive",
                    public_ref="speedref",
                    languages=["en"],
                )
                db.session.add(person)
                db.session.commit()
                token, _ = issue_token(person, "employee", 1)
                db.session.commit()
                headers = {"Authorization": f"Bearer {token}"}
            client = app.test_client()

            def call(ctx: bool, client: Any = client, headers: dict[str, str] = headers) -> None:
                body: dict[str, object] = {"limit": 5}
                if ctx:
                    body["context"] = {"page_type": "post", "text": fresh_text(rng)}
                resp = client.post("/api/v1/suggestions", json=body, headers=headers)
                assert resp.status_code == 200, resp.get_data(as_text=True)

            for label, flag in (("no context", False), ("fresh 100-word context", True)):
                p50, p99 = time_calls(functools.partial(call, flag), n)
                lines.append(
                    f"| HTTP (Flask test client) | {size:,} | {label} | {p50:.1f} | {p99:.1f} |"
                )
                print(lines[-1], flush=True)
            with app.app_context():
                db.engine.dispose()
    return lines


def sa_insert(model: Any) -> Any:
    import sqlalchemy as sa

    return sa.insert(model)


def embedding_rate(encoder: Encoder, n: int = 512) -> float:
    rng = np.random.default_rng(2)
    texts = [
        article_text(
            f"Article {i}: {' '.join(rng.choice(WORDS, 8))}",
            " ".join(rng.choice(WORDS, 30)),
            " ".join(rng.choice(WORDS, 200)),
        )
        for i in range(n)
    ]
    encoder.encode(texts[:16])
    t0 = time.perf_counter()
    encoder.encode(texts)
    return n / (time.perf_counter() - t0)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.benchmarks.speed")
    parser.add_argument("--encoder", default="minilm", help="minilm | minilm-int8 | e5 | hashing")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--http-sizes", default="1000,10000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--write", action="store_true", help="append the table to docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    logging.getLogger("herald.request").setLevel(logging.WARNING)
    encoder = get_encoder(args.encoder)
    limit_blas_threads(1)  # as a serving worker does (backend.services.recommender_runtime)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    http_sizes = [int(s) for s in args.http_sizes.split(",") if s]
    print(f"encoder {encoder.name}, {os.cpu_count()} CPUs, {args.requests} requests per cell")
    header = ["| Path | Articles | Context | p50 ms | p99 ms |", "|---|---|---|---|---|"]
    print("\n".join(header))
    lines = header + in_process(encoder, sizes, args.requests)
    lines += over_http(args.encoder, encoder, http_sizes, max(args.requests // 2, 20))
    rss = rss_mb()  # before the bulk encoder: that is the serving worker's footprint
    # Bulk embedding as `python -m training embed` does it: all cores (torch threads are
    # process-wide, so this comes last; serving above used one thread).
    rate = embedding_rate(get_encoder(args.encoder, num_threads=os.cpu_count()))
    tail = [
        "",
        f"Article embedding rate ({encoder.name}, title + summary + 60-word lead, "
        f"{os.cpu_count()} threads): {rate:.0f}/s.",
        f"Peak RSS of this process (all catalogs built, before bulk embedding): {rss:.0f} MB.",
        "RSS with the encoder warm and one in-process catalog (what a serving worker holds): "
        + ", ".join(f"{k:,} articles {v:.0f} MB" for k, v in RSS_WITH.items())
        + ".",
    ]
    print("\n".join(tail))
    if args.write:
        doc = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
        head = doc.read_text().split("<!-- speed -->", 1)[0] if doc.exists() else "# Benchmarks\n"
        section = [
            "<!-- speed -->",
            "## Speed",
            "",
            f"`python -m training.benchmarks.speed --encoder {args.encoder}` on"
            f" {os.cpu_count()} CPUs, {dt.date.today().isoformat()}; printed, never asserted."
            " Catalog embeddings are random unit vectors; the context is embedded for real.",
            "",
            *lines,
            *tail,
            "",
        ]
        doc.write_text(head + "\n".join(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
