"""Build the extension zip that Chrome/Edge load (and the Chrome Web Store / Edge Add-ons accept).

    python extension/build.py [--out dist]

Packs manifest.json and every file it needs; leaves out tests, package.json, package-lock.json,
node_modules (the tests' jsdom) and the development "key" (the store assigns its own id; keep "key"
with --keep-key for a self-hosted, policy-installed build). The zip is reproducible: sorted entries,
fixed timestamps.

One-click pairing: ``--herald-origin https://herald.example.com`` (repeatable) lets the company's
Herald pairing page hand its one-time code to the extension (``externally_connectable``); the
development entries for 127.0.0.1/localhost are never shipped. Without it the built extension is
paired by pasting the code.

    python extension/build.py --pack

writes selectors/bundled.js, the bundled selector pack (selectors/pack.json) as a classic script
the content script loads with the others, so it reads a page at once without asking the service
worker for the pack. A build refuses to pack a bundled.js that differs from pack.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
EXCLUDE_DIRS = {"test", "tools", "node_modules", "dist"}
EXCLUDE_FILES = {"package.json", "package-lock.json", "build.py", "build.sh", ".DS_Store"}
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
PACK_JSON = HERE / "selectors" / "pack.json"
PACK_JS = HERE / "selectors" / "bundled.js"


def bundled_pack_js(pack_json: Path = PACK_JSON) -> str:
    """selectors/bundled.js for a pack.json: the same document, registered on globalThis.Herald."""
    pack = json.loads(pack_json.read_text(encoding="utf-8"))
    body = json.dumps(pack, indent=2, ensure_ascii=False)
    return (
        "// Generated from selectors/pack.json by `python extension/build.py --pack`: do not edit\n"
        "// The bundled selector pack as a classic content script (and an ES module for node's\n"
        "// tests), so the content script reads a page at once, without asking the service worker.\n"
        "(function (root) {\n"
        '  "use strict";\n'
        f"  const pack = {body};\n"
        "  root.Herald = Object.assign(root.Herald || {}, { bundledPack: pack });\n"
        "})(globalThis);\n"
    )


def check_bundled_pack() -> None:
    if not PACK_JS.is_file() or PACK_JS.read_text(encoding="utf-8") != bundled_pack_js():
        raise SystemExit(
            "extension/selectors/bundled.js differs from selectors/pack.json: "
            "run `python extension/build.py --pack`"
        )


def files_to_pack(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or rel.parts[0] in EXCLUDE_DIRS or path.name in EXCLUDE_FILES:
            continue
        if path.name.startswith("."):
            continue
        out.append(rel)
    return out


def check_manifest(root: Path, manifest: dict) -> None:
    needed = [
        manifest["background"]["service_worker"],
        manifest["options_ui"]["page"],
        "sidepanel.html",
    ]
    needed += [js for cs in manifest["content_scripts"] for js in cs["js"]]
    needed += list(manifest["icons"].values())
    needed.append(manifest["storage"]["managed_schema"])
    missing = [n for n in needed if not (root / n).is_file()]
    if missing:
        raise SystemExit(f"manifest names missing files: {missing}")
    check_bundled_pack()


def herald_match(origin: str) -> str:
    """``https://herald.example.com`` -> the match pattern ``https://herald.example.com/*``."""
    parts = urlsplit(origin.strip())
    local = parts.hostname in ("localhost", "127.0.0.1")
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
        raise SystemExit(f"--herald-origin must be an https:// origin: {origin!r}")
    if not parts.hostname or parts.path.strip("/") or parts.query or parts.fragment:
        raise SystemExit(f"--herald-origin must be an origin such as https://herald.example.com: {origin!r}")
    return f"{parts.scheme}://{parts.hostname}/*"


def build(out_dir: Path, keep_key: bool = False, herald_origins: Sequence[str] = ()) -> Path:
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    check_manifest(HERE, manifest)
    if not keep_key:
        manifest.pop("key", None)
    if herald_origins:
        manifest["externally_connectable"] = {"matches": [herald_match(o) for o in herald_origins]}
    else:
        manifest.pop("externally_connectable", None)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"herald-extension-{manifest['version']}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in files_to_pack(HERE):
            info = zipfile.ZipInfo(rel.as_posix(), date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if rel.as_posix() == "manifest.json":
                data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            else:
                data = (HERE / rel).read_bytes()
            zf.writestr(info, data)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "dist")
    parser.add_argument("--keep-key", action="store_true", help="keep the manifest key (stable id)")
    parser.add_argument(
        "--herald-origin",
        action="append",
        default=[],
        help="the company's Herald address, whose pairing page may hand the code to the extension",
    )
    parser.add_argument(
        "--pack", action="store_true", help="write selectors/bundled.js from pack.json"
    )
    args = parser.parse_args(argv)
    if args.pack:
        PACK_JS.write_text(bundled_pack_js(), encoding="utf-8")
        print(PACK_JS)
        return 0
    target = build(args.out, keep_key=args.keep_key, herald_origins=args.herald_origin)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
