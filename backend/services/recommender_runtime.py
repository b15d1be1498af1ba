"""Per-worker recommender state: the active model (hot-switched) and the in-memory catalog.

* Model: the database's ``model_versions`` row with status ``active`` names the active version (the
  pointer every node shares; ``ARTIFACTS_DIR/ACTIVE`` only where no row is active, e.g. a store
  written before the pointer moved to the database). Each worker reads it at most once per
  ``MODEL_CHECK_INTERVAL_S`` (at once when ``cache_stamps`` says a model changed) and loads a new
  version when it changed, fetching it from the shared model store (``MODEL_STORE_URL``) when it is
  not in its local directory; so every node serves a published or rolled-back version within
  seconds, without a restart. The swap is one reference assignment, so requests in flight finish on
  the version they started with. No active version → fixed default weights with the configured
  encoder (``model_version = "default"``). The pointer names a missing or corrupt version, or the
  encoder cannot load → popularity/freshness fallback, ``degraded`` (never a 500). An encoder whose
  files must first be built (the ONNX export missing or corrupt: a ~20 s build) is built by a
  background thread; requests meanwhile get that fallback at once (``degraded``, /readyz not
  ready), and the next check after the build serves the model with it.
* Catalog: approved, unexpired articles with their embeddings, rebuilt when a cheap signature
  (count and latest ``updated_at`` of approved articles, count of embeddings) changes, checked at
  most every ``CATALOG_CHECK_INTERVAL_S``. A web process never embeds: committing a new or edited
  article queues the worker's ``embed_new_articles`` task (backend/tasks.py; coalesced, with a
  periodic pass every minute behind it), and the catalog check that follows the worker's commit
  picks the new vectors up. Until then the article is a candidate with a zero vector (BM25 and
  the other signals still rank it). When the signature changed, the catalog is rebuilt by a
  background thread and swapped in when ready; requests keep using the current one (only the
  first catalog of a worker, or one for a different encoder, is built inside a request, and
  ``warm_up`` builds the first one). With ``RECOMMENDER_BACKGROUND_EMBED`` false (the default
  under ``TESTING``; the name is historical: it now only moves catalog rebuilds to a thread) the
  rebuild happens inline on the check.
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
from backend.models import Article, ArticleEmbedding, Campaign, ModelVersion, utcnow
from recommender.artifacts import ArtifactStore, ModelArtifact, store_for
from recommender.encoders import DEFAULT_ENCODER, Encoder, get_encoder
from recommender.engine import Catalog, limit_blas_threads, set_product_threads
from recommender.errors import ArtifactError, EncoderUnavailableError
from recommender.lexical import LexicalIndex
from recommender.ranker import EngagementRanker
from recommender.text import article_text, content_hash

log = logging.getLogger("herald.recommender")

MODEL_CHECK_INTERVAL_S = 1.0
CATALOG_CHECK_INTERVAL_S = 5.0
EXTENSION_KEY = "herald_recommender"
ENCODER_RETRY_S = 60.0  # after a failed background encoder build, wait this long before retrying

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
    model_store_url: str | None = None
    query_threads: int = 1  # CONTEXT_ENCODE_THREADS
    model: ServingModel | None = None
    stamp: tuple[str | None, int | None] | None = None
    checked_at: float = 0.0
    catalog: CatalogState | None = None
    encoders: dict[str, Encoder] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    background_embed: bool = False
    app: Flask | None = None
    warming: bool = False
    rebuilder: threading.Thread | None = None
    encoder_builder: threading.Thread | None = None
    encoder_failure: tuple[float, str] | None = None  # (monotonic time, why) of the last build

    @property
    def store(self) -> ArtifactStore:
        return store_for(
            {"ARTIFACTS_DIR": self.artifacts_dir, "MODEL_STORE_URL": self.model_store_url}
        )

    def encoder(self, name: str) -> Encoder:
        enc = self.encoders.get(name)
        if enc is None:
            enc = get_encoder(
                name, cache_dir=self.model_cache_dir, query_threads=self.query_threads
            )
            self.encoders[name] = enc
        return enc

    # --- model ---------------------------------------------------------------------------------

    def serving(self, now: float | None = None) -> ServingModel:
        """The model to serve this request with (cheap unless the active pointer changed)."""
        now = time.monotonic() if now is None else now
        model = self.model
        if model is not None and now - self.checked_at < MODEL_CHECK_INTERVAL_S:
            return model
        with self.lock:
            self.checked_at = now
            try:
                stamp = (active_in_database(), self.store.active_stamp())
            except sa.exc.SQLAlchemyError:
                db.session.rollback()
                self.checked_at = 0.0  # the pointer is unreadable (database down, not migrated)
                if self.model is not None:
                    return self.model  # keep serving what we have; check again next request
                self.model = self._load(None)  # meanwhile what ACTIVE names, or the default
                return self.model
            if self.model is None or stamp != self.stamp or self._encoder_retry_due(now):
                self.model = self._load(stamp[0])
                self.stamp = stamp
            return self.model

    def _fallback(self, reason: str) -> ServingModel:
        log.warning("recommender degraded: %s", reason)
        ranker = EngagementRanker.with_defaults(default_weights=FALLBACK_WEIGHTS)
        return ServingModel("fallback", ranker, None, True, (reason,))

    def _load(self, version: str | None = None) -> ServingModel:
        store = self.store
        version = version or store.active()
        if version is None and store.list_versions():
            # Versions were published but the pointer is gone (deleted, a bad restore): serving
            # the untrained default would hide that; say so (degraded, /readyz not ready).
            return self._fallback(
                f"no ACTIVE file in {store.root} although {len(store.list_versions())} model "
                "version(s) exist; publish one (python -m training publish <version>)"
            )
        if version is None:
            try:
                enc = self.encoder(self.encoder_setting)
            except EncoderUnavailableError as exc:
                return self._fallback(f"encoder unavailable: {exc}")
            if (building := self._build_pending(enc)) is not None:
                return self._fallback(building)
            return ServingModel("default", EngagementRanker.with_defaults(), enc, False, ())
        try:
            artifact = store.load(version)
        except ArtifactError as exc:
            return self._fallback(f"active model unusable: {exc}")
        try:
            enc = self.encoder(artifact.encoder)
        except EncoderUnavailableError as exc:
            return self._fallback(f"encoder unavailable: {exc}")
        if (building := self._build_pending(enc)) is not None:
            return self._fallback(building)
        log.info("recommender serving model %s (encoder %s)", version, enc.name)
        return ServingModel(version, artifact.ranker, enc, False, (), artifact)

    def _encoder_retry_due(self, now: float) -> bool:
        """A background encoder build failed long enough ago to try it again."""
        failure, builder = self.encoder_failure, self.encoder_builder
        if builder is not None and builder.is_alive():
            return False  # the retry runs; its end resets the stamp
        return failure is not None and now - failure[0] >= ENCODER_RETRY_S

    def _build_pending(self, enc: Encoder) -> str | None:
        """None when ``enc`` can serve now; else why not, with its build started in a thread.

        Called under ``self.lock``. A request never runs the build: it would wait ~20 s (longer
        than the extension's timeout). When the build ends the model is loaded again.
        """
        if not enc.needs_build():
            self.encoder_failure = None
            return None
        builder = self.encoder_builder
        if builder is not None and builder.is_alive():
            return f"encoder {enc.name} is being built in the background"
        failure = self.encoder_failure
        if failure is not None and time.monotonic() - failure[0] < ENCODER_RETRY_S:
            return f"encoder {enc.name} build failed (retried within a minute): {failure[1]}"
        thread = threading.Thread(
            target=_build_encoder_in_background,
            args=(self, enc),
            name="herald-encoder-build",
            daemon=True,
        )
        self.encoder_builder = thread
        thread.start()
        return f"encoder {enc.name} is being built in the background"

    def recheck(self) -> None:
        """Check the active model and the catalog on their next use (another node changed them)."""
        self.checked_at = 0.0
        state = self.catalog
        if state is not None:
            state.checked_at = 0.0

    def reset(self) -> None:
        with self.lock:
            self.model = None
            self.stamp = None
            self.catalog = None

    # --- catalog -------------------------------------------------------------------------------

    def current_catalog(self, encoder: Encoder | None, now: dt.datetime) -> CatalogState:
        """The catalog to serve with; never embeds (the worker does, see the module docstring)."""
        mono = time.monotonic()
        name = encoder.name if encoder else ""
        state = self.catalog
        if (
            state is not None
            and state.catalog.encoder == name
            and mono - state.checked_at < CATALOG_CHECK_INTERVAL_S
        ):
            return state
        background = self.background_embed and self.app is not None
        signature = (name, *catalog_signature(name))
        if state is not None and state.signature == signature and state.catalog.encoder == name:
            state.checked_at = mono
        elif state is not None and state.catalog.encoder == name and background:
            # Keep serving the current catalog; the rebuilt one replaces it when ready.
            state.checked_at = mono
            self._start(
                "rebuilder", _rebuild_in_background, encoder, signature, name="herald-catalog"
            )
        else:
            state = build_catalog(encoder, now, signature)
            state.checked_at = mono
            self.catalog = state
        return state

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


def _build_encoder_in_background(rt: Runtime, encoder: Encoder) -> None:
    """Build and load ``encoder``'s files, then make the next request load the model again."""
    started = time.perf_counter()
    try:
        encoder.encode_one("warm up", kind="query")
    except Exception as exc:  # noqa: BLE001 - keep serving the fallback; say why
        log.exception("background build of encoder %s failed", encoder.name)
        with rt.lock:
            rt.encoder_failure = (time.monotonic(), f"{type(exc).__name__}: {exc}")
            rt.stamp = None
            rt.checked_at = 0.0
        return
    log.info("encoder %s built in %.1f s", encoder.name, time.perf_counter() - started)
    with rt.lock:
        rt.encoder_failure = None
        rt.stamp = None  # the next serving() loads the model again, now with this encoder
        rt.checked_at = 0.0


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
        set_product_threads(int(app.config.get("CATALOG_PRODUCT_THREADS") or 1))
        rt = Runtime(
            str(app.config["ARTIFACTS_DIR"]),
            str(app.config.get("ENCODER") or DEFAULT_ENCODER),
            model_cache_dir=app.config.get("MODEL_CACHE_DIR"),
            model_store_url=app.config.get("MODEL_STORE_URL"),
            query_threads=int(app.config.get("CONTEXT_ENCODE_THREADS") or 1),
            background_embed=_setting(app, "RECOMMENDER_BACKGROUND_EMBED"),
            app=app,
        )
        app.extensions[EXTENSION_KEY] = rt
        from backend.services import cache_sync

        stamps = cache_sync.watcher(app)
        stamps.on_change(cache_sync.MODEL, rt.recheck)
        stamps.on_change(cache_sync.CONTENT, rt.recheck)
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
    Read-only: it embeds nothing (the worker does).
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
                rt.current_catalog(model.encoder, utcnow())
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


def active_in_database() -> str | None:
    """The active version named by the database (the pointer every node shares), if any."""
    return db.session.scalar(
        sa.select(ModelVersion.version)
        .where(ModelVersion.status == "active")
        .order_by(ModelVersion.activated_at.desc(), ModelVersion.id.desc())
        .limit(1)
    )


def active_version() -> str | None:
    """The version every node is told to serve: the database's pointer, else ``ACTIVE``."""
    return active_in_database() or runtime().store.active()


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
        # Outer join: an approved article is a candidate at once; until the worker
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
