"""Per-worker recommender state: the active model (hot-switched) and the in-memory catalog.

* Model: ``ARTIFACTS_DIR/ACTIVE`` names the active version. Each worker stats that file at most once
  per ``MODEL_CHECK_INTERVAL_S`` and loads a new version when it changed; the swap is one reference
  assignment, so requests in flight finish on the version they started with. No ``ACTIVE`` yet →
  fixed default weights with the configured encoder (``model_version = "default"``). ``ACTIVE``
  names a missing or corrupt version, or the encoder cannot load → popularity/freshness fallback,
  ``degraded`` (never a 500).
* Catalog: approved, unexpired articles with their embeddings, rebuilt when a cheap signature
  (count and latest ``updated_at`` of approved articles, count of embeddings) changes, checked at
  most every ``CATALOG_CHECK_INTERVAL_S``. Articles without a current embedding (missing, or the
  content hash changed) are embedded by a background thread that the check starts (one per worker
  at a time; requests never wait for it), so a new or edited article becomes suggestible within
  seconds without anyone running a command. When the signature changed, the catalog is rebuilt by
  another background thread and swapped in when ready; requests keep using the current one (only
  the first catalog of a worker, or one for a different encoder, is built inside a request, and
  ``warm_up`` builds the first one). With ``RECOMMENDER_BACKGROUND_EMBED`` false (the default
  under ``TESTING``) both happen inline on the check (embedding at most ``EMBED_PER_REQUEST``).
* Warm-up: ``warm_up(app)`` loads the active version, the encoder's weights and the catalog in a
  background thread when the app is created, so the first request does not pay for them;
  ``readiness()`` answers "model loading" until it is done.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import Flask, current_app
from numpy.typing import NDArray

from backend.extensions import db
from backend.models import Article, ArticleEmbedding, Campaign, utcnow
from recommender.artifacts import ArtifactStore, ModelArtifact
from recommender.encoders import DEFAULT_ENCODER, Encoder, get_encoder
from recommender.engine import Catalog, limit_blas_threads
from recommender.errors import ArtifactError, EncoderUnavailableError
from recommender.lexical import LexicalIndex
from recommender.ranker import EngagementRanker
from recommender.text import article_text, content_hash

log = logging.getLogger("herald.recommender")

MODEL_CHECK_INTERVAL_S = 1.0
CATALOG_CHECK_INTERVAL_S = 5.0
EMBED_PER_REQUEST = 64
EMBED_BATCH = 64
EXTENSION_KEY = "herald_recommender"

# Served when the published model cannot be used: no encoder needed.
FALLBACK_WEIGHTS = {"popularity": 1.0, "freshness": 1.0, "campaign": 0.5, "teammates_24h": -1.0}


@dataclass(frozen=True)
class ServingModel:
    version: str
    ranker: EngagementRanker
    encoder: Encoder | None
    degraded: bool
    reasons: tuple[str, ...]
    artifact: ModelArtifact | None = None


@dataclass
class CatalogState:
    catalog: Catalog
    expires_ts: NDArray[np.float64]
    signature: tuple[Any, ...]
    checked_at: float


@dataclass
class Runtime:
    """Held in ``app.extensions``; one per worker process."""

    artifacts_dir: str
    encoder_setting: str
    model_cache_dir: str | None = None
    model: ServingModel | None = None
    stamp: int | None = None
    checked_at: float = 0.0
    catalog: CatalogState | None = None
    encoders: dict[str, Encoder] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    background_embed: bool = False
    app: Flask | None = None
    warming: bool = False
    embedder: threading.Thread | None = None
    rebuilder: threading.Thread | None = None

    @property
    def store(self) -> ArtifactStore:
        return ArtifactStore(self.artifacts_dir)

    def encoder(self, name: str) -> Encoder:
        enc = self.encoders.get(name)
        if enc is None:
            enc = get_encoder(name, cache_dir=self.model_cache_dir)
            self.encoders[name] = enc
        return enc

    # --- model ---------------------------------------------------------------------------------

    def serving(self, now: float | None = None) -> ServingModel:
        """The model to serve this request with (cheap unless ``ACTIVE`` changed)."""
        now = time.monotonic() if now is None else now
        model = self.model
        if model is not None and now - self.checked_at < MODEL_CHECK_INTERVAL_S:
            return model
        with self.lock:
            self.checked_at = now
            stamp = self.store.active_stamp()
            if self.model is None or stamp != self.stamp:
                self.model = self._load()
                self.stamp = stamp
            return self.model

    def _fallback(self, reason: str) -> ServingModel:
        log.warning("recommender degraded: %s", reason)
        ranker = EngagementRanker.with_defaults(default_weights=FALLBACK_WEIGHTS)
        return ServingModel("fallback", ranker, None, True, (reason,))

    def _load(self) -> ServingModel:
        store = self.store
        version = store.active()
        if version is None:
            try:
                enc = self.encoder(self.encoder_setting)
            except EncoderUnavailableError as exc:
                return self._fallback(f"encoder unavailable: {exc}")
            return ServingModel("default", EngagementRanker.with_defaults(), enc, False, ())
        try:
            artifact = store.load(version)
        except ArtifactError as exc:
            return self._fallback(f"active model unusable: {exc}")
        try:
            enc = self.encoder(artifact.encoder)
        except EncoderUnavailableError as exc:
            return self._fallback(f"encoder unavailable: {exc}")
        log.info("recommender serving model %s (encoder %s)", version, enc.name)
        return ServingModel(version, artifact.ranker, enc, False, (), artifact)

    def reset(self) -> None:
        with self.lock:
            self.model = None
            self.stamp = None
            self.catalog = None

    # --- catalog -------------------------------------------------------------------------------

    def current_catalog(
        self, encoder: Encoder | None, now: dt.datetime, embed: bool = True
    ) -> CatalogState:
        mono = time.monotonic()
        name = encoder.name if encoder else ""
        state = self.catalog
        if (
            state is not None
            and state.catalog.encoder == name
            and mono - state.checked_at < CATALOG_CHECK_INTERVAL_S
        ):
            return state
        if encoder is not None and embed:
            self.embed_new(encoder)
        signature = (name, *catalog_signature(name))
        if state is not None and state.signature == signature and state.catalog.encoder == name:
            state.checked_at = mono
            return state
        if (
            state is not None
            and state.catalog.encoder == name
            and self.background_embed
            and self.app is not None
        ):
            # Keep serving the current catalog; the rebuilt one replaces it when ready.
            state.checked_at = mono
            self._start(
                "rebuilder", _rebuild_in_background, encoder, signature, name="herald-catalog"
            )
            return state
        new_state = build_catalog(encoder, now, signature)
        new_state.checked_at = mono
        self.catalog = new_state
        return new_state

    def embed_new(self, encoder: Encoder) -> None:
        """Embed new and changed articles: in a background thread, or inline (tests)."""
        if not self.background_embed or self.app is None:
            embed_pending(encoder, limit=EMBED_PER_REQUEST)
            return
        self._start("embedder", _embed_in_background, encoder, name="herald-embed")

    def _start(self, attr: str, target: Any, *args: Any, name: str) -> None:
        """Start ``target(app, self, *args)`` in a daemon thread unless ``attr``'s is running."""
        with self.lock:
            running = getattr(self, attr)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(
                target=target, args=(self.app, self, *args), name=name, daemon=True
            )
            setattr(self, attr, thread)
            thread.start()


def _embed_in_background(app: Flask, rt: Runtime, encoder: Encoder) -> None:
    with app.app_context():
        try:
            while embed_pending(encoder, limit=EMBED_BATCH, batch_size=EMBED_BATCH):
                pass
        except Exception:  # noqa: BLE001 - a background thread must log, not die silently
            db.session.rollback()
            log.exception("background embedding failed; retrying on the next catalog check")


def _rebuild_in_background(
    app: Flask, rt: Runtime, encoder: Encoder | None, signature: tuple[Any, ...]
) -> None:
    with app.app_context():
        try:
            state = build_catalog(encoder, utcnow(), signature)
            state.checked_at = time.monotonic()
            rt.catalog = state  # one reference swap; requests in flight keep the old one
        except Exception:  # noqa: BLE001 - keep serving the old catalog; log why
            db.session.rollback()
            log.exception("catalog rebuild failed; retrying on the next catalog check")


def runtime(app: Flask | None = None) -> Runtime:
    if app is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app
    rt = app.extensions.get(EXTENSION_KEY)
    if rt is None:
        limit_blas_threads(int(app.config.get("RECOMMENDER_BLAS_THREADS") or 1))
        rt = Runtime(
            str(app.config["ARTIFACTS_DIR"]),
            str(app.config.get("ENCODER") or DEFAULT_ENCODER),
            model_cache_dir=app.config.get("MODEL_CACHE_DIR"),
            background_embed=_setting(app, "RECOMMENDER_BACKGROUND_EMBED"),
            app=app,
        )
        app.extensions[EXTENSION_KEY] = rt
    assert isinstance(rt, Runtime)
    return rt


def _setting(app: Flask, key: str) -> bool:
    """An on/off setting whose default (absent or None) is "on unless TESTING"."""
    value = app.config.get(key)
    return not app.testing if value is None else bool(value)


def warm_up(app: Flask, *, force: bool = False) -> threading.Thread | None:
    """Load the active model, the encoder's weights and the catalog in a background thread.

    Call once from ``create_app``; it returns at once (the thread, or None when disabled).
    Enabled by ``RECOMMENDER_WARMUP`` (default: on unless ``TESTING``) or ``force``. Until the
    thread is done, ``readiness()`` reports "model loading" (``/readyz`` answers 503), and a
    request that arrives meanwhile waits for the model rather than loading a second copy.
    Read-only: it embeds nothing (the first catalog check does that, in the background).
    """
    if not force and not _setting(app, "RECOMMENDER_WARMUP"):
        return None
    rt = runtime(app)
    rt.warming = True

    def work() -> None:
        started = time.perf_counter()
        try:
            with app.app_context():
                model = rt.serving()
                if model.encoder is not None:
                    model.encoder.encode_one("warm up", kind="query")
                rt.current_catalog(model.encoder, utcnow(), embed=False)
                db.session.remove()
            log.info(
                "recommender warm: model %s in %.1f s", model.version, time.perf_counter() - started
            )
        except Exception:  # noqa: BLE001 - serving falls back on its own; log why
            log.exception("recommender warm-up failed")
        finally:
            rt.warming = False

    thread = threading.Thread(target=work, name="herald-recommender-warmup", daemon=True)
    thread.start()
    return thread


# --- catalog from the database -------------------------------------------------------------------


def _approved() -> sa.ColumnElement[bool]:
    return Article.status == "approved"


def catalog_signature(encoder_name: str) -> tuple[Any, ...]:
    count, latest = db.session.execute(
        sa.select(sa.func.count(Article.id), sa.func.max(Article.updated_at)).where(_approved())
    ).one()
    n_emb, emb_latest = db.session.execute(
        sa.select(
            sa.func.count(ArticleEmbedding.id), sa.func.max(ArticleEmbedding.created_at)
        ).where(ArticleEmbedding.encoder == encoder_name)
    ).one()
    return (int(count or 0), str(latest), int(n_emb or 0), str(emb_latest))


def article_embedding_text(article: Article) -> str:
    return article_text(article.title, article.summary or "", article.body or "")


def embed_pending(
    encoder: Encoder,
    limit: int | None = None,
    batch_size: int = 64,
    full: bool = False,
    progress: Any = None,
) -> int:
    """Embed approved articles whose embedding for ``encoder`` is missing or stale; returns count.

    Incremental by content hash: an unchanged article is never embedded twice. Without ``full``
    only articles updated after their embedding are hashed (the cheap per-request check).
    """
    query = (
        sa.select(Article, ArticleEmbedding)
        .outerjoin(
            ArticleEmbedding,
            sa.and_(
                ArticleEmbedding.article_id == Article.id, ArticleEmbedding.encoder == encoder.name
            ),
        )
        .where(_approved())
        .order_by(Article.id)
    )
    if not full:
        query = query.where(
            sa.or_(ArticleEmbedding.id.is_(None), Article.updated_at > ArticleEmbedding.created_at)
        )
    rows = db.session.execute(query).all()
    todo: list[tuple[Article, ArticleEmbedding | None, str, str]] = []
    for article, emb in rows:
        text = article_embedding_text(article)
        digest = content_hash(text, encoder.name)
        if emb is None or emb.content_hash != digest:
            todo.append((article, emb, text, digest))
            if limit is not None and len(todo) >= limit:
                break
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        vectors = encoder.encode([t for _, _, t, _ in chunk], kind="passage")
        for (article, existing, _, digest), vec in zip(chunk, vectors, strict=True):
            blob = np.ascontiguousarray(vec, dtype="<f4").tobytes()
            if existing is None:
                db.session.add(
                    ArticleEmbedding(
                        article_id=article.id,
                        encoder=encoder.name,
                        content_hash=digest,
                        dim=encoder.dim,
                        vector=blob,
                    )
                )
            else:
                existing.content_hash, existing.dim, existing.vector = digest, encoder.dim, blob
                existing.created_at = utcnow()
        db.session.commit()
        if progress is not None:
            progress.update(len(chunk))
    return len(todo)


def build_catalog(
    encoder: Encoder | None, now: dt.datetime, signature: tuple[Any, ...]
) -> CatalogState:
    """Load approved articles (with embeddings for ``encoder``) into aligned arrays."""
    name = encoder.name if encoder else ""
    dim = encoder.dim if encoder else 1
    query = (
        sa.select(
            Article.id,
            Article.language,
            Article.published_at,
            Article.approved_at,
            Article.created_at,
            Article.expires_at,
            Campaign.priority,
            Campaign.status,
            Campaign.starts_at,
            Campaign.ends_at,
            ArticleEmbedding.vector if encoder else sa.null(),
            Article.title,
            Article.summary,
            Article.body,
        )
        .outerjoin(Campaign, Campaign.id == Article.campaign_id)
        .where(_approved())
        .order_by(Article.id)
    )
    if encoder is not None:
        # Outer join: an approved article is a candidate at once; until the background embedder
        # has reached it, it has a zero vector (no similarity signal) and ranks on the others.
        query = query.outerjoin(
            ArticleEmbedding,
            sa.and_(ArticleEmbedding.article_id == Article.id, ArticleEmbedding.encoder == name),
        )
    rows = db.session.execute(query).all()
    n = len(rows)
    ids = np.zeros(n, dtype=np.int64)
    langs = np.empty(n, dtype="<U2")
    published = np.zeros(n, dtype=np.float64)
    expires = np.full(n, np.inf)
    priority = np.zeros(n, dtype=np.float32)
    emb = np.zeros((n, dim), dtype=np.float32)
    texts: list[str] = []
    for i, row in enumerate(rows):
        (aid, lang, pub, appr, created, exp, prio, cstatus, cstart, cend, vector, *text) = row
        title, summary, body = text
        texts.append(article_text(title, summary or "", body or ""))
        ids[i] = aid
        langs[i] = lang
        published[i] = (pub or appr or created or now).timestamp()
        if exp is not None:
            expires[i] = exp.timestamp()
        active = (
            prio is not None
            and cstatus == "active"
            and (cstart is None or cstart <= now)
            and (cend is None or cend > now)
        )
        priority[i] = min(max(float(prio), 0.0), 10.0) / 10.0 if active else 0.0
        if vector is not None:
            vec = np.frombuffer(vector, dtype="<f4")
            if vec.shape[0] == dim:
                emb[i] = vec
    # BM25 over the same text that is embedded: searchable as soon as the catalog is rebuilt.
    lexical = LexicalIndex().fit(texts, [str(x) for x in langs.tolist()])
    catalog = Catalog(
        ids, emb, langs, published, priority, encoder=name, expires_ts=expires, lexical=lexical
    )
    return CatalogState(catalog, expires, signature, time.monotonic())
