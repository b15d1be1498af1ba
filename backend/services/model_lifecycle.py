"""The model lifecycle: embed, fit, evaluate, publish (guarded), rollback, list.

Plain, typed functions run inside an app context on the app's database and ``ARTIFACTS_DIR``;
no request state, so the console, the CLI (``python -m training``) and a task queue call the
same code.

``fit`` trains the ranker on logged impressions before a cutoff that holds out the most recent
``HOLDOUT`` of requests, and records that training window in the version's manifest. ``evaluate``
and ``publish`` compare a candidate with the active model on impressions logged after *both*
training windows (``backend.services.model_evaluation``). ``publish`` refuses a candidate that
is worse beyond noise with a sentence that says why; an admin can override, and the override is
audited.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import current_app

from backend.extensions import db
from backend.models import Article, ArticleEmbedding, Employee, ModelVersion, utcnow
from backend.services import audit, importers
from backend.services import model_evaluation as me
from backend.services.model_data import Logged, load_logged
from backend.services.recommender_runtime import embed_pending
from recommender.artifacts import ArtifactStore, new_version_name
from recommender.encoders import Encoder, OnnxMiniLMEncoder, get_encoder
from recommender.errors import ArtifactError, RecommenderError
from recommender.features import FEATURE_NAMES
from recommender.ranker import EngagementRanker
from recommender.splits import time_split

HOLDOUT = 0.2  # the most recent share of requests a fit leaves out (the held-out window)
WINDOW_KEY = "training_window"
ADMIN = "admin"


class LifecycleError(RecommenderError):
    """A lifecycle step cannot proceed (the message is shown to the user as is)."""


class GuardRefused(LifecycleError):
    """Publishing was refused because the candidate is worse than the active model."""

    def __init__(self, message: str, evaluation: me.Evaluation) -> None:
        super().__init__(message)
        self.evaluation = evaluation


def store() -> ArtifactStore:
    return ArtifactStore(current_app.config["ARTIFACTS_DIR"])


# --- articles and embeddings ---------------------------------------------------------------------


def import_file(
    path: Path, fmt: str | None = None, language: str | None = None
) -> importers.ImportReport:
    """Import articles from CSV, JSON Lines or RSS/Atom."""
    fmt = fmt or importers.format_for_filename(path.name)
    if fmt is None:
        raise LifecycleError(f"cannot tell the format of {path.name}; pass --format csv|jsonl|feed")
    try:
        return importers.import_articles(path, fmt, None, default_language=language)
    except importers.ImportFileError as exc:
        raise LifecycleError(str(exc)) from exc


def encoder_for(encoder_name: str | None = None, num_threads: int | None = 1) -> Encoder:
    """The configured (or named) encoder, its ONNX export built if it needs one."""
    encoder = get_encoder(
        encoder_name or current_app.config["ENCODER"],
        num_threads=num_threads,
        cache_dir=current_app.config["MODEL_CACHE_DIR"],
    )
    if isinstance(encoder, OnnxMiniLMEncoder):
        # Built once per MODEL_CACHE_DIR (a minute at most); serving workers then only load it.
        encoder.prepare()
    return encoder


def embed(encoder_name: str | None = None, full: bool = True, progress: Any = None) -> int:
    """Embed every approved article whose embedding is missing or stale (by content hash).

    ``progress``: anything with ``update(n)`` (a tqdm bar in the CLI)."""
    # All cores for bulk work (serving workers use one thread each).
    encoder = encoder_for(encoder_name, num_threads=os.cpu_count())
    return embed_pending(encoder, full=full, progress=progress)


def approved_count() -> int:
    return int(
        db.session.scalar(sa.select(sa.func.count(Article.id)).where(Article.status == "approved"))
        or 0
    )


def encoder_manifest(encoder: Encoder) -> dict[str, Any]:
    """What the manifest records about the encoder beyond its name (the ONNX export's recipe)."""
    if isinstance(encoder, OnnxMiniLMEncoder) and encoder.export_meta_ is not None:
        meta = encoder.export_meta_
        keys = ("name", "recipe", "key", "packages", "quantization", "check", "model_sha256")
        return {"encoder_export": {k: meta[k] for k in keys if k in meta}}
    return {}


def unique_version_name() -> str:
    """A timestamped name not yet in the store (two fits in one second get ``-2``, ``-3``...)."""
    st = store()
    base = new_version_name()
    name, n = base, 1
    while st.path_for(name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


# --- fit -----------------------------------------------------------------------------------------


def split(logged: Logged, holdout: float = HOLDOUT) -> tuple[Logged, Logged, float | None]:
    """Whole requests to one side, by the time of their first impression: (train, held-out,
    cutoff timestamp). With fewer than two request times nothing is held out (cutoff None)."""
    if len(logged) == 0:
        return logged, logged, None
    _, first = np.unique(logged.request_ids, return_index=True)
    req_ts = dict(zip(logged.request_ids[first].tolist(), logged.ts[first].tolist(), strict=True))
    per_row = np.array([req_ts[r] for r in logged.request_ids.tolist()])
    if np.unique(per_row).shape[0] < 2:
        return logged, logged.subset(np.zeros(len(logged), dtype=bool)), None
    train, test, cutoff = time_split(per_row, holdout)
    return logged.subset(train), logged.subset(test), cutoff


@dataclass
class FitResult:
    version: str
    path: Path
    metrics: dict[str, Any]
    fallback: bool
    window: dict[str, Any]


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


def fit(
    version: str | None = None,
    encoder_name: str | None = None,
    min_samples: int = 200,
    holdout: float = HOLDOUT,
) -> FitResult:
    """Fit the ranker on impressions before the held-out window; save a candidate version that
    records its training window and its numbers on the held-out window."""
    encoder = encoder_for(encoder_name)  # one thread, as before: `embed` does the bulk work
    logged = load_logged()
    train, held, cutoff = split(logged, holdout)
    ranker = EngagementRanker(min_samples=min_samples).fit(train.X, train.y)
    end = _iso(cutoff) if cutoff is not None else utcnow().isoformat()
    window = {
        "start": _iso(float(train.ts.min())) if len(train) else None,
        "end": end,
        "impressions": len(train),
    }
    ev = me.evaluate("candidate", ranker.decision_function, held, None, {})
    cand, floor, ctx = ev.model("candidate"), ev.model("random"), ev.model("context")
    metrics: dict[str, Any] = {
        me.PRIMARY: cand.top3 if cand else None,
        "random_" + me.PRIMARY: floor.top3 if floor else None,
        "context_" + me.PRIMARY: ctx.top3 if ctx else None,
        "acted_on": float(ev.acted_on),
        "train_rows": float(len(train)),
        "test_rows": float(len(held)),
    }
    metrics = {k: (None if isinstance(v, float) and v != v else v) for k, v in metrics.items()}
    embed_pending(encoder, full=True)
    rows = db.session.execute(
        sa.select(ArticleEmbedding.article_id, ArticleEmbedding.vector)
        .join(Article, Article.id == ArticleEmbedding.article_id)
        .where(ArticleEmbedding.encoder == encoder.name, Article.status == "approved")
        .order_by(ArticleEmbedding.article_id)
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    emb = np.zeros((len(rows), encoder.dim), dtype=np.float32)
    for i, (_, vector) in enumerate(rows):
        emb[i] = np.frombuffer(vector, dtype="<f4")
    version = version or unique_version_name()
    path = store().save(
        version,
        ranker=ranker,
        embeddings=emb,
        article_ids=ids,
        encoder_name=encoder.name,
        data_hash=train.data_hash(),
        metrics=metrics,
        extra={**encoder_manifest(encoder), WINDOW_KEY: window},
    )
    db.session.add(
        ModelVersion(
            version=version,
            encoder=encoder.name,
            status="candidate",
            metrics={**metrics, WINDOW_KEY: window},
            path=str(path),
        )
    )
    db.session.commit()
    return FitResult(version, path, metrics, bool(ranker.fallback_), window)


# --- evaluate and the guard ----------------------------------------------------------------------


def window_end(version: str) -> dt.datetime:
    """The end of ``version``'s training window (its creation time if none was recorded)."""
    manifest = store().read_manifest(version)
    raw = (manifest.get(WINDOW_KEY) or {}).get("end") or manifest["created_at"]
    return dt.datetime.fromisoformat(str(raw))


def baselines() -> dict[str, me.Scorer]:
    pop = FEATURE_NAMES.index("popularity")
    return {
        "default weights": EngagementRanker.with_defaults().decision_function,
        "popularity only": lambda X: X[:, pop],
    }


def compare(version: str) -> me.Evaluation:
    """``version`` against the active model and the baselines, on impressions after both
    models' training windows."""
    st = store()
    candidate = st.load(version)
    active = st.active()
    other: tuple[str, me.Scorer] | None = None
    since = window_end(version)
    if active and active != version:
        try:
            other = (active, st.load(active).ranker.decision_function)
            since = max(since, window_end(active))
        except ArtifactError:
            other = None  # a broken active artifact cannot veto its replacement
    test = load_logged(since)
    return me.evaluate(version, candidate.ranker.decision_function, test, other, baselines())


def evaluate(version: str, out_dir: Path | None = None) -> me.Evaluation:
    """``compare`` plus report.md and its plots (in the version's folder unless ``out_dir``)."""
    ev = compare(version)
    return me.write_report(ev, out_dir or store().path_for(version), f"Evaluation of {version}")


def publish(version: str, force: bool = False, actor_id: int | None = None) -> str:
    """Make ``version`` active in every worker.

    Refused (``GuardRefused``) when the candidate is worse than the active model beyond noise;
    ``force`` overrides that, for an admin only (``actor_id`` None is the server's operator
    running the CLI), and the override is audited with the verdict it overrode.
    """
    st = store()
    candidate = st.load(version)
    active = st.active()
    ev = compare(version) if active and active != version else None
    overridden = False
    if ev is not None and ev.verdict == me.WORSE:
        if not force:
            raise GuardRefused(
                f"Not publishing {version}. {ev.sentence} An admin can publish it anyway.", ev
            )
        if actor_id is not None:
            actor = db.session.get(Employee, actor_id)
            if actor is None or actor.access_role != ADMIN:
                raise GuardRefused(
                    f"Not publishing {version}: only an admin can publish a model the guard"
                    f" refused. {ev.sentence}",
                    ev,
                )
        overridden = True
    _activate(version, candidate.encoder, candidate.metrics, str(candidate.path))
    st.set_active(version)
    audit.record(
        actor_id,
        "model.publish_override" if overridden else "model.publish",
        "model_version",
        version,
        previous=active,
        verdict=ev.verdict if ev else None,
        sentence=ev.sentence if ev else None,
    )
    db.session.commit()
    return f"published {version} (was {active or 'none'})"


def _activate(version: str, encoder: str, metrics: dict[str, Any], path: str) -> None:
    now = utcnow()
    for old in db.session.scalars(sa.select(ModelVersion).where(ModelVersion.status == "active")):
        old.status = "retired"
    row = db.session.scalar(sa.select(ModelVersion).where(ModelVersion.version == version))
    if row is None:
        row = ModelVersion(version=version, encoder=encoder, metrics=metrics, path=path)
        db.session.add(row)
    row.status = "active"
    row.activated_at = now
    db.session.commit()


def rollback(actor_id: int | None = None) -> str:
    """Re-activate the version that was active before the current one."""
    st = store()
    current = st.active()
    previous = db.session.scalars(
        sa.select(ModelVersion)
        .where(ModelVersion.activated_at.is_not(None), ModelVersion.version != (current or ""))
        .order_by(ModelVersion.activated_at.desc())
    ).first()
    if previous is None:
        raise LifecycleError("nothing to roll back to: no earlier version was ever active")
    st.load(previous.version)  # verify before switching
    _activate(previous.version, previous.encoder, previous.metrics, previous.path)
    st.set_active(previous.version)
    message = f"rolled back from {current or 'none'} to {previous.version}"
    audit.record(actor_id, "model.rollback", "model_version", previous.version, message=message)
    db.session.commit()
    return message


def bootstrap() -> str:
    """First run (``make run``): embed the catalog and publish a first model unless one is active.

    Idempotent: with an active version it only embeds what is new or changed.
    """
    st = store()
    embedded = embed(full=True)
    active = st.active()
    if active is not None:
        try:
            st.load(active)
            return f"model {active} already active; embedded {embedded} new or changed articles"
        except ArtifactError:
            pass  # a broken active artifact: publish a fresh one below
    result = fit(None, None, 200)
    publish(result.version, force=True)
    hint = encoder_hint()
    return f"embedded {embedded} articles; published first model {result.version}" + (
        f"\n{hint}" if hint else ""
    )


NON_ENGLISH_HINT_SHARE = 0.2


def encoder_hint() -> str | None:
    """A hint when an English-only encoder serves a catalog with many non-English articles."""
    if not str(current_app.config["ENCODER"]).lower().startswith("minilm"):
        return None
    rows = db.session.execute(
        sa.select(Article.language, sa.func.count(Article.id))
        .where(Article.status == "approved")
        .group_by(Article.language)
    ).all()
    total = sum(int(n) for _, n in rows)
    other = sum(int(n) for lang, n in rows if lang != "en")
    if not total or other / total <= NON_ENGLISH_HINT_SHARE:
        return None
    return (
        f"hint: {other / total:.0%} of approved articles are not English, and MiniLM understands"
        " English only; HERALD_ENCODER=e5 ranks Danish pages and articles better (see"
        " docs/recommender.md, 'Danish and English, measured')"
    )


def list_versions() -> list[dict[str, Any]]:
    st = store()
    active = st.active()
    rows = {r.version: r for r in db.session.scalars(sa.select(ModelVersion))}
    out: list[dict[str, Any]] = []
    for version in st.list_versions():
        try:
            manifest = st.read_manifest(version)
        except ArtifactError as exc:
            out.append({"version": version, "status": "unreadable", "error": str(exc)})
            continue
        row = rows.get(version)
        out.append(
            {
                "version": version,
                "status": "active" if version == active else (row.status if row else "candidate"),
                "encoder": manifest["encoder"]["name"],
                "created_at": manifest["created_at"],
                "trained_until": (manifest.get(WINDOW_KEY) or {}).get("end"),
                me.PRIMARY: manifest.get("metrics", {}).get(me.PRIMARY),
            }
        )
    return out
