"""The shared model store: version directories in object storage, through fsspec.

With several API nodes, each node keeps its own local :class:`~recommender.artifacts.ArtifactStore`
(a cache) and every version is also written here, under one URL that all nodes can read:
``s3://bucket/herald/models`` (with ``s3fs`` installed), ``gcs://…``, ``file:///mnt/shared/…``.
The active pointer is not here: it lives in the database (``model_versions.status``), which every
node already shares. A node that is told to serve a version it does not have downloads the
version's files into a temporary directory next to its cache, then renames it into place; the
local store then verifies every file's sha256 against the manifest before anything is loaded, so a
tampered or half-written remote copy is refused exactly as a local one would be.

Without ``HERALD_MODEL_STORE_URL`` there is no remote: the local directory is the store (one
node, or several sharing a disk), as before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import fsspec

from recommender.errors import ArtifactError

MANIFEST = "manifest.json"


class RemoteStore:
    """Version directories under ``url`` on any fsspec filesystem."""

    def __init__(self, url: str, **storage_options: Any) -> None:
        if not url:
            raise ArtifactError("a model store URL is required")
        self.url = url.rstrip("/")
        fs, root = fsspec.core.url_to_fs(self.url, **storage_options)
        self.fs: fsspec.AbstractFileSystem = fs
        self.root: str = str(root).rstrip("/")

    def _dir(self, version: str) -> str:
        return f"{self.root}/versions/{version}"

    def exists(self, version: str) -> bool:
        return bool(self.fs.exists(f"{self._dir(version)}/{MANIFEST}"))

    def list_versions(self) -> list[str]:
        base = f"{self.root}/versions"
        if not self.fs.exists(base):
            return []
        names = [str(p).rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(base, detail=False)]
        return sorted(n for n in names if not n.startswith(".") and self.exists(n))

    def upload(self, version: str, local_dir: Path) -> None:
        """Copy a complete local version directory; the manifest goes last (it marks complete)."""
        target = self._dir(version)
        if self.exists(version):
            raise ArtifactError(f"model version {version!r} already exists in {self.url}")
        self.fs.makedirs(target, exist_ok=True)
        files = sorted(p for p in local_dir.iterdir() if p.is_file())
        for path in [p for p in files if p.name != MANIFEST] + [local_dir / MANIFEST]:
            self.fs.put_file(str(path), f"{target}/{path.name}")

    def download(self, version: str, dest: Path) -> Path:
        """Fetch ``version`` into ``dest`` (a directory that must not exist yet); returns it."""
        if not self.exists(version):
            raise ArtifactError(f"model version {version!r} is not in the model store {self.url}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}-dl-", dir=dest.parent))
        try:
            for remote in self.fs.ls(self._dir(version), detail=False):
                name = str(remote).rstrip("/").rsplit("/", 1)[-1]
                if name.startswith("."):
                    continue
                self.fs.get_file(str(remote), str(tmp / name))
            if dest.exists():  # another process of this node was faster
                shutil.rmtree(tmp, ignore_errors=True)
                return dest
            os.replace(tmp, dest)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ArtifactError(f"model version {version!r}: download failed: {exc}") from exc
        return dest
