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


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("herald_ext_build", EXTENSION_DIR / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def _manifest(zip_path: Path) -> dict:  # type: ignore[type-arg]
    import json
    import zipfile

    with zipfile.ZipFile(zip_path) as zf:
        return json.loads(zf.read("manifest.json"))  # type: ignore[no-any-return]


def test_one_click_pairing_origin_is_stamped_and_dev_origins_never_ship(tmp_path: Path) -> None:
    build = _build_module()
    plain = _manifest(build.build(tmp_path / "plain"))
    assert "externally_connectable" not in plain  # localhost entries are for the unpacked dev build
    stamped = _manifest(
        build.build(tmp_path / "co", herald_origins=["https://herald.example.com:8443"])
    )
    assert stamped["externally_connectable"] == {"matches": ["https://herald.example.com/*"]}


def test_pairing_origin_must_be_an_https_origin(tmp_path: Path) -> None:
    import pytest

    build = _build_module()
    for bad in ("http://herald.example.com", "https://herald.example.com/pair", "herald"):
        with pytest.raises(SystemExit, match="--herald-origin must be"):
            build.build(tmp_path, herald_origins=[bad])
