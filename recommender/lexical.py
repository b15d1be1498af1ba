"""The lexical half of context retrieval: BM25 over stemmed words, per language.

* Tokens: lower-cased words of two or more letters or digits; Danish and English stop words
  (bm25s' lists) are dropped; each article's words are stemmed with the Snowball stemmer of its
  own language (``PyStemmer``: ``da`` → danish, ``en`` → english, other languages unstemmed).
* A page's words are stemmed with the stemmer of every language the catalog holds (the union of
  stems): a Danish page still matches the English name of a product or a loanword in an English
  article, and a word's stem under the wrong stemmer rarely matches anything.
* Scoring is ``bm25s`` (BM25 "Lucene" variant, k1 = 1.5, b = 0.75), one sparse column sum per
  query over the whole catalog: well under a millisecond at 10k articles.

The index is built with the catalog (``backend.services.recommender_runtime.build_catalog``), so a
new or edited article is searchable as soon as the catalog is rebuilt (checked every few seconds),
without any model being retrained.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.errors import RecommenderError

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STEMMERS = {"da": "danish", "en": "english", "sv": "swedish", "nb": "norwegian", "de": "german"}
MAX_QUERY_TERMS = 64


class LexicalUnavailableError(RecommenderError):
    """bm25s or PyStemmer is not installed."""


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Danish and English stop words (bm25s' lists)."""
    try:
        from bm25s.stopwords import STOPWORDS_DANISH, STOPWORDS_EN
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise LexicalUnavailableError(f"the lexical index needs 'bm25s': {exc}") from exc
    return frozenset(w.lower() for w in (*STOPWORDS_EN, *STOPWORDS_DANISH))


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    algorithm = STEMMERS.get(language)
    if algorithm is None:
        return None
    try:
        import Stemmer
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise LexicalUnavailableError(f"the lexical index needs 'PyStemmer': {exc}") from exc
    return Stemmer.Stemmer(algorithm)


def words(text: str) -> list[str]:
    """Lower-cased tokens of ``text`` without stop words (not stemmed)."""
    stops = stop_words()
    return [w for w in _TOKEN.findall(text.lower()) if w not in stops]


def stems(text: str, language: str) -> list[str]:
    """``words(text)`` stemmed for ``language`` (unstemmed where no stemmer exists)."""
    tokens = words(text)
    stemmer = _stemmer(language)
    return list(stemmer.stemWords(tokens)) if stemmer is not None and tokens else tokens


def query_terms(text: str, languages: Collection[str]) -> list[str]:
    """A page's distinct stems under every language in ``languages`` (at most 64 terms)."""
    tokens = words(text)
    out: dict[str, None] = {}
    for lang in sorted(set(languages)) or ["en"]:
        stemmer = _stemmer(lang)
        for term in stemmer.stemWords(tokens) if stemmer is not None else tokens:
            out.setdefault(term, None)
    return list(out)[:MAX_QUERY_TERMS]


class LexicalIndex:
    """BM25 over a fixed list of documents; ``scores(terms)`` gives one value per document.

    scikit-learn style: ``__init__`` stores parameters, ``fit(texts, languages)`` builds the
    index and returns self.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def fit(self, texts: Sequence[str], languages: Sequence[str]) -> LexicalIndex:
        if len(texts) != len(languages):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        try:
            import bm25s
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise LexicalUnavailableError(f"the lexical index needs 'bm25s': {exc}") from exc
        corpus = [stems(t, lang) for t, lang in zip(texts, languages, strict=True)]
        self.n_docs_ = len(corpus)
        self.languages_ = frozenset(languages)
        vocab: dict[str, int] = {"": 0}  # bm25s wants an empty token for empty documents
        ids = [[vocab.setdefault(w, len(vocab)) for w in doc] or [0] for doc in corpus]
        self.vocab_ = vocab
        retriever = bm25s.BM25(k1=self.k1, b=self.b)
        if self.n_docs_:
            retriever.index((ids, vocab), show_progress=False)
        self.bm25_ = retriever
        return self

    def scores(self, terms: Sequence[str]) -> NDArray[np.float32]:
        """BM25 score of every document for the query ``terms`` (zeros when none is known)."""
        if not hasattr(self, "bm25_"):
            raise RecommenderError("this LexicalIndex is not fitted yet; call fit()")
        known = [self.vocab_[t] for t in terms if t in self.vocab_ and t]
        if not known or self.n_docs_ == 0:
            return np.zeros(self.n_docs_, dtype=np.float32)
        return np.asarray(self.bm25_.get_scores_from_ids(known), dtype=np.float32)

    def __len__(self) -> int:
        return int(getattr(self, "n_docs_", 0))
