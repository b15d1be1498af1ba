"""Danish and English retrieval per encoder: ``python -m training.benchmarks.languages``.

Issue 3 asks which encoder to deploy where the content is Danish. This measures it on the demo
company's catalog (``backend.demo.topics``: 11 topics, 8 formats + 1 case study each, written in
both languages), without a database:

* Corpus per language: one article per (topic, format) plus the topic's case study, embedded as
  serving embeds articles (``recommender.text.article_text``: title, summary, lead of the body;
  the lead is the format's opening and the topic's *first* paragraph).
* Queries, as contexts (``kind="query"``):
  - ``post``: a LinkedIn-post-like question built from the topic's phrases, per language;
  - ``paragraph``: each of the topic's other paragraphs (never in any article's embedded text).
* Relevant: every corpus article on the query's topic (9 per topic and language).
* Pairs: English page → English articles, Danish → Danish, and across (a Danish reader on an
  English page, and the reverse).

Metrics: Recall@10 (share of the topic's 9 articles in the top 10), MRR (first on-topic article),
P@5. Printed, never asserted.

``--agreement minilm,minilm-onnx`` also compares two encoders of the same vector space (fp32 and
the int8 ONNX export) directly: cosine between their embeddings of every corpus article and query,
and how often they put the same article first and the same articles in the top 10.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

from recommender.encoders import Encoder, get_encoder
from recommender.text import article_text, context_text

LANGS = ("en", "da")
PAIRS = (("en", "en"), ("da", "da"), ("en", "da"), ("da", "en"))
SLOTS = {"n": 7, "n2": 25, "year": 2026}
POST = {
    "en": "{Name} is on our agenda this quarter. How do you approach {action}? We would love to "
    "hear from anyone with experience of {projects}.",
    "da": "{Name} står højt på vores dagsorden i dette kvartal. Hvordan griber I det an, når I "
    "{action}? Vi vil gerne høre fra alle med erfaring med {projects}.",
}


@dataclass
class Corpus:
    texts: list[str]
    topics: list[str]


def corpus(lang: str) -> Corpus:
    from backend.demo.topics import FORMATS, TOPICS

    texts, topics = [], []
    for topic in TOPICS:
        phrases = {**(topic.en if lang == "en" else topic.da), **SLOTS}
        first = (topic.paragraphs_en if lang == "en" else topic.paragraphs_da)[0]
        for fmt in FORMATS:
            title_t, summary_t = (fmt[1], fmt[2]) if lang == "en" else (fmt[3], fmt[4])
            opening = fmt[5] if lang == "en" else fmt[6]
            title = title_t.format(**phrases)
            texts.append(
                article_text(
                    title[0].upper() + title[1:],
                    summary_t.format(**phrases),
                    f"{opening}\n\n{first}",
                )  # fmt: skip
            )
            topics.append(topic.key)
        title, summary = topic.case_en if lang == "en" else topic.case_da
        texts.append(article_text(title, summary, first))
        topics.append(topic.key)
    return Corpus(texts, topics)


def queries(lang: str, kind: str) -> tuple[list[str], list[str]]:
    from backend.demo.topics import TOPICS

    texts, topics = [], []
    for topic in TOPICS:
        if kind == "post":
            texts.append(POST[lang].format(**(topic.en if lang == "en" else topic.da)))
            topics.append(topic.key)
        else:
            for paragraph in (topic.paragraphs_en if lang == "en" else topic.paragraphs_da)[1:]:
                texts.append(paragraph)
                topics.append(topic.key)
    return [context_text(t) for t in texts], topics


@dataclass
class Scores:
    recall10: float
    mrr: float
    p5: float
    n: int


def evaluate(q: np.ndarray, q_topics: list[str], docs: np.ndarray, d_topics: list[str]) -> Scores:
    sims = q @ docs.T
    rec, rr, p5 = [], [], []
    d_top = np.array(d_topics)
    for i, topic in enumerate(q_topics):
        order = np.argsort(-sims[i], kind="stable")
        hits = d_top[order] == topic
        total = int((d_top == topic).sum())
        rec.append(float(hits[:10].sum()) / total)
        first = int(np.argmax(hits)) if hits.any() else None
        rr.append(0.0 if first is None else 1.0 / (first + 1))
        p5.append(float(hits[:5].mean()))
    return Scores(float(np.mean(rec)), float(np.mean(rr)), float(np.mean(p5)), len(q_topics))


def run(encoder: Encoder) -> list[str]:
    docs = {}
    t0 = time.perf_counter()
    for lang in LANGS:
        c = corpus(lang)
        docs[lang] = (encoder.encode(c.texts, kind="passage"), c.topics)
    lines = []
    for kind in ("post", "paragraph"):
        for q_lang, d_lang in PAIRS:
            texts, topics = queries(q_lang, kind)
            q = encoder.encode(texts, kind="query")
            s = evaluate(q, topics, *docs[d_lang])
            lines.append(
                f"| {encoder.name} | {kind} | {q_lang} → {d_lang} | {s.n} | {s.recall10:.3f} |"
                f" {s.mrr:.3f} | {s.p5:.3f} |"
            )
            print(lines[-1], flush=True)
    print(f"  ({encoder.name}: {time.perf_counter() - t0:.0f} s)")
    return lines


def agreement(a: Encoder, b: Encoder) -> list[str]:
    """Cosine between ``a`` and ``b`` per text, and top-1 / top-10 agreement of their rankings."""
    cos: list[np.ndarray] = []
    top1: list[bool] = []
    overlap: list[float] = []
    for lang in LANGS:
        c = corpus(lang)
        da, db = a.encode(c.texts, kind="passage"), b.encode(c.texts, kind="passage")
        cos.append(np.sum(da * db, axis=1))
        for kind in ("post", "paragraph"):
            texts, _ = queries(lang, kind)
            qa, qb = a.encode(texts, kind="query"), b.encode(texts, kind="query")
            cos.append(np.sum(qa * qb, axis=1))
            ra, rb = np.argsort(-(qa @ da.T), axis=1), np.argsort(-(qb @ db.T), axis=1)
            top1.extend((ra[:, 0] == rb[:, 0]).tolist())
            overlap.extend(len(set(x[:10]) & set(y[:10])) / 10 for x, y in zip(ra, rb, strict=True))
    allcos = np.concatenate(cos)
    lines = [
        f"{a.name} vs {b.name}: {allcos.size} texts (articles and queries, en and da), cosine"
        f" mean {allcos.mean():.4f}, min {allcos.min():.4f}; same first article for"
        f" {np.mean(top1):.1%} of {len(top1)} queries, top-10 overlap {np.mean(overlap):.1%}"
    ]
    print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.benchmarks.languages")
    parser.add_argument("--encoders", default="minilm-onnx,minilm,e5", help="comma-separated")
    parser.add_argument(
        "--agreement", default="minilm,minilm-onnx", help="two encoders to compare ('' = skip)"
    )
    args = parser.parse_args(argv)
    print("| Encoder | Queries | Page → articles | Queries | Recall@10 | MRR | P@5 |")
    print("|---|---|---|---|---|---|---|")
    encoders = {}
    for name in args.encoders.split(","):
        encoders[name.strip()] = get_encoder(name.strip(), num_threads=None)
        run(encoders[name.strip()])
    pair = [n.strip() for n in args.agreement.split(",") if n.strip()]
    if len(pair) == 2:
        first, second = (encoders.get(n) or get_encoder(n, num_threads=None) for n in pair)
        agreement(first, second)
    return 0


if __name__ == "__main__":
    sys.exit(main())
