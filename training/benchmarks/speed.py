"""Speed benchmark: ``python -m training.benchmarks.speed`` (printed, never asserted).

* p50/p99 of one suggestion in process (encoder + BM25 + fusion + features + ranker + diversity
  over an in-memory catalog with its BM25 index, as served: the page's language detected where
  the encoder's fusion weight depends on it, its stems looked up) for 1k, 10k and 100k articles,
  without and with a fresh 100-word context;
* (over HTTP as production serves it, gunicorn with its config, limiter and log on, an employee
  with history: training/benchmarks/speed_http.py, which ``make bench-speed`` runs next; the Flask
  test client path this file once timed, limiter off and no history, was not the served path);
* the article embedding rate with the real encoder (wall clock, and per CPU-second: on a shared
  machine the wall rate mostly measures the other jobs), and the process RSS;
* the same context encode and embedding rate for comparison encoders (``--compare``, default the
  fp32 torch MiniLM), measured after everything else so that torch is not in the process while the
  serving numbers and the RSS are taken.

Every line carries the load average at the time, and an in-process line the time of a fixed
reference workload before and after it (``training/benchmarks/machine.py``): a shared VM's vCPU
runs at half speed in some phases, which the load average does not show.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from backend.config import Settings
from recommender.encoders import DEFAULT_ENCODER, Encoder, get_encoder
from recommender.engine import (
    Catalog,
    Request,
    limit_blas_threads,
    recommend,
    set_product_threads,
)
from recommender.lexical import LexicalIndex, query_terms
from recommender.onnx_export import default_cache_dir
from recommender.ranker import EngagementRanker
from recommender.relevance import dense_weight_for_page
from recommender.text import article_text, context_lexical_text, context_text
from training.benchmarks.machine import reference_ms, reference_span

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


def load() -> str:
    """The 1-minute load average (runnable processes; 2 cores here)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def time_calls_cpu(fn: Callable[[], object], n: int) -> tuple[float, float, float, float]:
    """Wall p50/p99 and CPU p50/p99 (this process's CPU time, all its threads) in ms.

    Serving runs BLAS on the calling thread and a context's encode on it or, while a core is
    idle, on two ONNX Runtime threads (``CONTEXT_ENCODE_THREADS``), so the process's CPU time
    is what a call costs (nothing else runs in this process meanwhile); the wall time adds the
    waiting for a core that other processes hold.
    """
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return (*percentiles(wall), *percentiles(cpu))


def random_catalog(n: int, dim: int, rng: np.random.Generator) -> Catalog:
    emb = rng.standard_normal((n, dim), dtype=np.float32)  # no float64 copy: it inflates peak RSS
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    now = time.time()
    langs = np.array(["en", "da"] * (n // 2) + ["en"] * (n % 2), dtype="<U2")
    texts = [
        article_text(
            f"Article {i}: {' '.join(rng.choice(WORDS, 8))}", " ".join(rng.choice(WORDS, 40))
        )
        for i in range(n)
    ]
    return Catalog(
        article_ids=np.arange(1, n + 1, dtype=np.int64),
        embeddings=emb,
        languages=langs,
        published_ts=now - rng.random(n) * 30 * 86400,
        campaign_priority=np.zeros(n, dtype=np.float32),
        lexical=LexicalIndex().fit(texts, langs.tolist()),
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
            req = Request(now_ts=time.time(), languages=("en", "da"), role_vec=role, popularity=pop)
            return recommend(cat, req, ranker, limit=5)

        def with_ctx(cat: Catalog = cat, pop: dict[int, float] = pop) -> object:
            text = fresh_text(rng)
            words = context_text(text)
            vec = encoder.encode_one(words, kind="query")
            assert cat.lexical is not None
            req = Request(
                now_ts=time.time(),
                languages=("en", "da"),
                context_vec=vec,
                context_terms=query_terms(context_lexical_text(text), cat.lexical.languages_),
                dense_weight=dense_weight_for_page(words, encoder.languages),
                role_vec=role,
                popularity=pop,
            )
            return recommend(cat, req, ranker, limit=5)

        for label, fn in (("no context", no_ctx), ("fresh 100-word context", with_ctx)):
            before = reference_ms()
            p50, p99, c50, c99 = time_calls_cpu(fn, n)
            lines.append(
                f"| in process | {size:,} | {label} | {p50:.1f} | {p99:.1f} | {c50:.1f} |"
                f" {c99:.1f} | {load()} | {reference_span(before, reference_ms())} |"
            )
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


def article_texts(n: int) -> list[str]:
    rng = np.random.default_rng(2)
    return [
        article_text(
            f"Article {i}: {' '.join(rng.choice(WORDS, 8))}",
            " ".join(rng.choice(WORDS, 30)),
            " ".join(rng.choice(WORDS, 200)),
        )
        for i in range(n)
    ]


def embedding_rate(encoder: Encoder, n: int = 512) -> tuple[float, float]:
    """Articles per second of wall clock, and per CPU-second of this process (all threads)."""
    texts = article_texts(n)
    encoder.encode(texts[:16])
    t0, c0 = time.perf_counter(), time.process_time()
    encoder.encode(texts)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def context_encode(encoder: Encoder, n: int) -> tuple[float, float, float, float]:
    """Wall and CPU p50/p99 ms of embedding one fresh 100-word context (as a request does)."""
    rng = np.random.default_rng(3)
    return time_calls_cpu(lambda: encoder.encode_one(context_text(fresh_text(rng)), "query"), n)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.benchmarks.speed")
    parser.add_argument(
        "--encoder", default=DEFAULT_ENCODER, help="minilm-onnx | minilm | minilm-int8 | e5"
    )
    parser.add_argument(
        "--compare", default="minilm", help="encoders timed alone for comparison (comma-separated)"
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--articles", type=int, default=512, help="for the embedding rate")
    parser.add_argument("--model-cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument(
        "--context-threads",
        type=int,
        default=Settings.model_fields["CONTEXT_ENCODE_THREADS"].default,
        help="threads a context's encode may use while cores are idle (served default)",
    )
    parser.add_argument(
        "--product-threads",
        type=int,
        default=Settings.model_fields["CATALOG_PRODUCT_THREADS"].default,
        help="threads the full-catalog product may use while a core is idle (served default)",
    )
    parser.add_argument(
        "--write", action="store_true", help="replace the speed section of docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    logging.getLogger("herald.request").setLevel(logging.WARNING)
    cache = args.model_cache_dir
    encoder = get_encoder(args.encoder, cache_dir=cache, query_threads=args.context_threads)
    encoder.encode_one("warm up")  # builds the ONNX export first if this cache has none
    limit_blas_threads(1)  # as a serving worker does (backend.services.recommender_runtime)
    set_product_threads(args.product_threads)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(
        f"encoder {encoder.name}, {os.cpu_count()} CPUs, {args.requests} requests per cell,"
        f" a context's encode on up to {args.context_threads} threads and the catalog product"
        f" on up to {args.product_threads} while cores are idle,"
        f" load average at start {load()}"
    )
    header = [
        "| Path | Articles | Context | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms | load |"
        " reference ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(header))
    lines = header + in_process(encoder, sizes, args.requests)
    rss = rss_mb()  # before the bulk encoder: that is the serving worker's footprint
    torch_loaded = "torch" in sys.modules
    # Bulk embedding as `python -m training embed` does it: all cores.
    rows = ["", "| Encoder | context encode p50 / p99 ms | CPU p50 / p99 ms | articles/s (wall) |"
            " articles per CPU-second | load |", "|---|---|---|---|---|---|"]  # fmt: skip
    for name in [args.encoder, *[c for c in args.compare.split(",") if c]]:
        one = encoder if name == args.encoder else get_encoder(name, cache_dir=cache)
        p50, p99, c50, c99 = context_encode(one, max(args.requests // 2, 20))
        bulk = get_encoder(name, num_threads=os.cpu_count(), cache_dir=cache)
        n = args.articles if name == args.encoder else max(args.articles // 4, 32)
        wall, cpu = embedding_rate(bulk, n)
        rows.append(
            f"| {one.name} | {p50:.1f} / {p99:.1f} | {c50:.1f} / {c99:.1f} | {wall:.0f}"
            f" | {cpu:.0f} | {load()} |"
        )
        print(rows[-1], flush=True)
    tail = [
        *rows,
        "",
        f"Article text: title + summary + 60-word lead, cut at"
        f" {getattr(encoder, 'max_seq_length', 128)} word pieces; {args.articles}"
        f" articles for {encoder.name} ({os.cpu_count()} threads), fewer for the others.",
        f"Peak RSS of this process (all catalogs built, before bulk embedding): {rss:.0f} MB"
        f" (torch imported: {'yes' if torch_loaded else 'no'}).",
        "RSS with the encoder warm and one in-process catalog (what a serving worker holds): "
        + ", ".join(f"{k:,} articles {v:.0f} MB" for k, v in RSS_WITH.items())
        + ".",
        f"Load average at the end: {load()}.",
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
