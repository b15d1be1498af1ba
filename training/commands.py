"""The content team's retraining pipeline as plain, typed functions (the CLI is a thin wrapper).

Every function runs inside an app context (``create_app()``), on the app's database and
``ARTIFACTS_DIR``.
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
from tqdm import tqdm

from backend.extensions import db
from backend.models import Article, ArticleEmbedding, ModelVersion, utcnow
from backend.services import importers
from backend.services.recommender_runtime import embed_pending
from recommender.artifacts import ArtifactStore, new_version_name, store_for
from recommender.encoders import Encoder, OnnxMiniLMEncoder, get_encoder
from recommender.errors import ArtifactError, RecommenderError
from recommender.ranker import EngagementRanker
from training import evaluation as ev
from training.data import load_logged


class CommandError(RecommenderError):
    """A pipeline step cannot proceed (message is shown to the user as is)."""


def store() -> ArtifactStore:
    return store_for(current_app.config)


def import_file(path: Path, fmt: str | None = None, language: str | None = None) -> str:
    """Import articles from CSV, JSON Lines or RSS/Atom; returns the import summary."""
    fmt = fmt or importers.format_for_filename(path.name)
    if fmt is None:
        raise CommandError(f"cannot tell the format of {path.name}; pass --format csv|jsonl|feed")
    try:
        report = importers.import_articles(path, fmt, None, default_language=language)
    except importers.ImportFileError as exc:
        raise CommandError(str(exc)) from exc
    for err in report.errors[:20]:
        tqdm.write(f"  row {err.row}: {err.field}: {err.message}")
    return report.summary()


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


def embed(encoder_name: str | None = None, full: bool = True) -> int:
    """Embed every approved article whose embedding is missing or stale (by content hash)."""
    # All cores for bulk work (serving workers use one thread each).
    encoder = encoder_for(encoder_name, num_threads=os.cpu_count())
    total = db.session.scalar(
        sa.select(sa.func.count(Article.id)).where(Article.status == "approved")
    )
    with tqdm(total=total or 0, desc=f"embedding ({encoder.name})", unit="article") as bar:
        return embed_pending(encoder, full=full, progress=bar)


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


@dataclass
class FitResult:
    version: str
    path: Path
    metrics: dict[str, Any]
    fallback: bool


def fit(
    version: str | None = None, encoder_name: str | None = None, min_samples: int = 200
) -> FitResult:
    """Fit the ranker on logged impressions, evaluate on a time split, save a candidate version."""
    encoder = encoder_for(encoder_name)  # one thread, as before: `embed` does the bulk work
    logged = load_logged()
    train, test = ev.split(logged)
    held_out = EngagementRanker(min_samples=min_samples).fit(train.X, train.y)
    result = ev.evaluate_scorer("candidate", held_out.decision_function, test)
    ranker = EngagementRanker(min_samples=min_samples).fit(logged.X, logged.y)
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
    metrics = {**result.metrics, "train_rows": float(len(train)), "test_rows": float(len(test))}
    path = store().save(
        version,
        ranker=ranker,
        embeddings=emb,
        article_ids=ids,
        encoder_name=encoder.name,
        data_hash=logged.data_hash(),
        metrics=metrics,
        extra=encoder_manifest(encoder),
    )
    db.session.add(
        ModelVersion(
            version=version,
            encoder=encoder.name,
            status="candidate",
            metrics=metrics,
            path=str(path),
        )
    )
    db.session.commit()
    return FitResult(version, path, metrics, bool(ranker.fallback_))


def evaluate(version: str, out_dir: Path | None = None) -> tuple[Path, Path, list[ev.ModelMetrics]]:
    """Compare ``version`` with the active model and baselines; write report.md and report.png."""
    st = store()
    candidate = st.load(version)
    logged = load_logged()
    _, test = ev.split(logged)
    results = [ev.evaluate_scorer(f"candidate {version}", candidate.ranker.decision_function, test)]
    active = st.active()
    if active and active != version:
        try:
            results.append(
                ev.evaluate_scorer(
                    f"active {active}", st.load(active).ranker.decision_function, test
                )
            )
        except ArtifactError as exc:
            tqdm.write(f"active model {active} cannot be loaded: {exc}")
    for name, scorer in ev.baselines().items():
        results.append(ev.evaluate_scorer(name, scorer, test))
    results.append(
        ev.evaluate_scorer("logged order", lambda X: -test.logged_rank.astype(np.float64), test)
    )
    md, png = ev.write_report(results, out_dir or candidate.path, f"Evaluation of {version}")
    return md, png, results


def publish(version: str, force: bool = False) -> str:
    """Make ``version`` active in every worker; refuses a worse candidate unless ``force``."""
    st = store()
    candidate = st.load(version)
    active = st.active()
    if active and active != version and not force:
        _, test = ev.split(load_logged())
        new = ev.evaluate_scorer("candidate", candidate.ranker.decision_function, test)
        try:
            old = ev.evaluate_scorer("active", st.load(active).ranker.decision_function, test)
        except ArtifactError:
            old = None
        if old is not None and new.metrics[ev.PRIMARY] < old.metrics[ev.PRIMARY]:
            raise CommandError(
                f"refusing to publish {version}: {ev.PRIMARY} {new.metrics[ev.PRIMARY]:.4f} is"
                f" worse than the active {active}'s {old.metrics[ev.PRIMARY]:.4f}; use --force to"
                " publish anyway"
            )
    _activate(version, candidate.encoder, candidate.metrics, str(candidate.path))
    st.set_active(version)
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


def rollback() -> str:
    """Re-activate the version that was active before the current one."""
    st = store()
    current = st.active()
    previous = db.session.scalars(
        sa.select(ModelVersion)
        .where(ModelVersion.activated_at.is_not(None), ModelVersion.version != (current or ""))
        .order_by(ModelVersion.activated_at.desc())
    ).first()
    if previous is None:
        raise CommandError("nothing to roll back to: no earlier version was ever active")
    st.load(previous.version)  # verify before switching
    _activate(previous.version, previous.encoder, previous.metrics, previous.path)
    st.set_active(previous.version)
    return f"rolled back from {current or 'none'} to {previous.version}"


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
    out = []
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
                ev.PRIMARY: manifest.get("metrics", {}).get(ev.PRIMARY),
            }
        )
    return out


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
