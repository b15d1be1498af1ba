"""The extension zip ships the extension only: never the tests' jsdom (node_modules), npm files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXTENSION_DIR = Path(__file__).resolve().parents[1] / "extension"


def test_zip_leaves_out_node_modules_and_npm_files(tmp_path: Path) -> None:
    # A copy of extension/ with what `npm ci --prefix extension` leaves: node_modules, npm files.
    spec = importlib.util.spec_from_file_location("herald_ext_build", EXTENSION_DIR / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    files = build.files_to_pack(EXTENSION_DIR)
    names = {p.as_posix() for p in files}
    assert "manifest.json" in names and "lib/extract.js" in names
    fake = tmp_path / "ext"
    for rel in files:
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_bytes((EXTENSION_DIR / rel).read_bytes())
    for extra in ("package.json", "package-lock.json", "node_modules/jsdom/package.json"):
        (fake / extra).parent.mkdir(parents=True, exist_ok=True)
        (fake / extra).write_text("{}", encoding="utf-8")
    packed = {p.as_posix() for p in build.files_to_pack(fake)}
    assert packed == names
    assert not any(n.startswith("node_modules") or n.startswith("package") for n in packed)
