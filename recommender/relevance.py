"""Fusing the two context matches, lexical (BM25) and dense (embedding cosine), into one
relevance in [0, 1] per candidate.

* Dense: ``(cos − median) / (max − median)`` over the candidates, clipped to [0, 1]: the best
  match is 1, anything no closer than the typical candidate is 0. Encoders differ wildly in their
  cosine scale (multilingual E5 puts unrelated texts at ~0.75, MiniLM at ~0.1), so only the
  spread above the typical candidate is comparable.
* Lexical: ``bm25 / max bm25`` over the candidates (0 where no page word occurs).
* Fusion (``FUSION``): a convex combination ``w · dense + (1 − w) · lexical`` of the normalised
  scores, or reciprocal-rank fusion (``rrf``: ``Σ 1/(RRF_K + rank)``, divided by its maximum).
  ``w`` is ``DENSE_WEIGHT_MULTILINGUAL`` with a multilingual encoder (the default e5), else
  ``DENSE_WEIGHT`` when the encoder understands the page's language and
  ``DENSE_WEIGHT_FOREIGN`` when it does not (English MiniLM on a Danish or Norwegian page: its
  similarity there is mostly shared word pieces, and BM25 with a real stemmer does better), and
  ``DENSE_WEIGHT_UNKNOWN`` in between when the page's language cannot be told.
  Chosen by ``make bench-relevance`` (docs/benchmarks.md): on the English finance set the dense
  match is the stronger one (best ``w`` 0.85-0.9), on the Norwegian set with MiniLM the lexical
  one (best ``w`` 0.3). When only one signal has anything to say (no page word occurs in any
  candidate, e.g. a Danish page and English articles, or no encoder), relevance is that signal
  alone.

Relevance is relative to the request's candidates: the best match gets ~1 even when the page is
about nothing in the catalog.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from recommender.language import detect

Fusion = Literal["convex", "rrf"]
FUSION: Fusion = "convex"
DENSE_WEIGHT = 0.85  # an English-only encoder (MiniLM) on an English page
# A multilingual encoder (the default e5) on a page in any language: best on the dev queries of
# both benchmark sets (FiQA and NorQuAD, disjoint from the test queries), docs/benchmarks.md.
DENSE_WEIGHT_MULTILINGUAL = 0.7
DENSE_WEIGHT_FOREIGN = 0.3
DENSE_WEIGHT_UNKNOWN = 0.5  # the page's language could not be told (short or mixed text)
RRF_K = 60


def normalise_dense(cos: NDArray[np.floating]) -> NDArray[np.float64]:
    c = np.asarray(cos, dtype=np.float64)
    if c.size == 0:
        return c
    top, mid = float(c.max()), float(np.median(c))
    if top - mid <= 1e-9:
        return np.where(c >= top - 1e-9, 1.0, 0.0) if top > 0 else np.zeros_like(c)
    return np.clip((c - mid) / (top - mid), 0.0, 1.0)


def normalise_lexical(bm25: NDArray[np.floating]) -> NDArray[np.float64]:
    s = np.asarray(bm25, dtype=np.float64)
    top = float(s.max()) if s.size else 0.0
    return s / top if top > 0 else np.zeros_like(s)


def _rrf(values: NDArray[np.float64]) -> NDArray[np.float64]:
    ranks = np.empty(values.shape[0], dtype=np.float64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, values.shape[0] + 1)
    out = 1.0 / (RRF_K + ranks)
    out[values <= 0] = 0.0  # no match is no evidence, whatever its rank
    return np.asarray(out, dtype=np.float64)


def fuse(
    dense: NDArray[np.floating] | None,
    lexical: NDArray[np.floating] | None,
    method: Fusion | None = None,
    dense_weight: float | None = None,
) -> NDArray[np.float64]:
    """Relevance in [0, 1] from raw cosines and/or raw BM25 scores of the same candidates."""
    method = method or FUSION
    w = DENSE_WEIGHT if dense_weight is None else dense_weight
    d = normalise_dense(dense) if dense is not None and np.any(dense) else None
    lex = normalise_lexical(lexical) if lexical is not None and np.any(lexical) else None
    if d is None and lex is None:
        n = next((a.shape[0] for a in (dense, lexical) if a is not None), 0)
        return np.zeros(n, dtype=np.float64)
    if method == "rrf":
        parts = [(p, wt) for p, wt in ((d, w), (lex, 1.0 - w)) if p is not None]
        total = sum(wt * _rrf(p) for p, wt in parts)
        top = float(np.max(total))
        return np.asarray(total / top if top > 0 else total, dtype=np.float64)
    if d is None:
        assert lex is not None
        return lex
    if lex is None:
        return d
    return np.asarray(w * d + (1.0 - w) * lex, dtype=np.float64)


def dense_weight_for(page_language: str | None, encoder_languages: frozenset[str] | None) -> float:
    """The fusion weight of the dense match for a page in ``page_language`` (None: unknown)."""
    if encoder_languages is None:
        return DENSE_WEIGHT_MULTILINGUAL
    if page_language in encoder_languages:
        return DENSE_WEIGHT
    if page_language is None:
        return DENSE_WEIGHT_UNKNOWN
    return DENSE_WEIGHT_FOREIGN


def dense_weight_for_page(text: str | None, encoder_languages: frozenset[str] | None) -> float:
    """``dense_weight_for`` the page ``text``, telling its language only where the weight depends
    on it: a multilingual encoder (the default e5) gets the same weight for every page, and
    language detection was a tenth of a request's non-encoder time."""
    if encoder_languages is None:
        return dense_weight_for(None, None)
    return dense_weight_for(detect(text) if text else None, encoder_languages)
