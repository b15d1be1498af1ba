"""The int8 ONNX MiniLM encoder and its cached export (``slow``: builds the real export once per
session, ~30 s; each rebuild test adds one more). No timings here: speed is in the benchmark."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from recommender import onnx_export as ox
from recommender.encoders import MiniLMEncoder, OnnxE5Encoder, OnnxMiniLMEncoder, get_encoder

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = [
    "Zero trust network security for hybrid cloud teams",
    "Photos from the summer party at the Aarhus office",
    "Quarterly revenue grew twelve percent",
    "How our engineers cut Kubernetes costs by a third",
    "Sådan beskytter vi vores kunders data i skyen med zero trust",
]
QUERIES = [
    "How should companies secure remote access to cloud apps?",
    "Great pictures from the office party last week",
    "Our cloud bill keeps growing; any advice on container cost control?",
    "Earnings season: revenue and growth numbers are out",
]


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export of each model for the whole session (tests/training uses the same directory)."""
    cache = tmp_path_factory.getbasetemp() / "onnx-encoders"
    ox.ensure_export(cache)
    ox.ensure_export(cache, "e5")
    return cache


@pytest.fixture(scope="session")
def onnx(onnx_cache: Path) -> OnnxMiniLMEncoder:
    return OnnxMiniLMEncoder(cache_dir=onnx_cache)


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )


def test_contract(onnx: OnnxMiniLMEncoder) -> None:
    out = onnx.encode(ARTICLES)
    assert out.shape == (len(ARTICLES), 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(onnx.encode(ARTICLES), out, atol=1e-6)  # deterministic
    # A text's vector does not depend on the texts embedded with it, nor on the thread count.
    single = np.stack([onnx.encode_one(t, kind="passage") for t in ARTICLES])
    np.testing.assert_allclose(single, out, atol=1e-6)
    bulk = OnnxMiniLMEncoder(num_threads=2, cache_dir=onnx.cache_dir).encode(ARTICLES[::-1])
    np.testing.assert_allclose(bulk[::-1], out, atol=1e-6)
    assert not onnx.encode([""]).any()
    assert onnx.name == "minilm-l6-v2-onnx-int8"


def test_matches_fp32_sentence_transformers(onnx: OnnxMiniLMEncoder) -> None:
    fp32 = MiniLMEncoder(max_seq_length=onnx.max_seq_length)  # the same cut, else texts differ
    texts = ARTICLES + QUERIES + ["ok", " ".join(ARTICLES) * 8]  # the last is cut at 96 pieces
    cosines = np.sum(onnx.encode(texts) * fp32.encode(texts), axis=1)
    assert cosines.min() > 0.95, cosines
    assert cosines.mean() > 0.98, cosines
    # The same ranking of articles for every query.
    got = onnx.encode(QUERIES, kind="query") @ onnx.encode(ARTICLES).T
    want = fp32.encode(QUERIES, kind="query") @ fp32.encode(ARTICLES).T
    assert got.argmax(axis=1).tolist() == want.argmax(axis=1).tolist() == [0, 1, 3, 2]
    np.testing.assert_array_equal(np.argsort(-got, axis=1)[:, :3], np.argsort(-want, axis=1)[:, :3])


def test_export_records_its_check_and_is_reused(onnx_cache: Path, onnx: OnnxMiniLMEncoder) -> None:
    path = ox.export_dir(onnx_cache)
    meta = ox.read_export(path)
    assert meta is not None and meta == onnx.prepare()
    assert meta["check"]["cosine_to_fp32_min"] >= ox.MIN_COSINE
    assert meta["packages"]["onnxruntime"] and meta["key"] == ox.export_key()
    before = (path / ox.MODEL_FILE).stat().st_mtime_ns
    assert ox.ensure_export(onnx_cache) == path
    assert (path / ox.MODEL_FILE).stat().st_mtime_ns == before
    assert ox.read_export(path) == meta  # same build id: nothing was rebuilt
    # Nothing half-written is left beside it (or beside the e5 export in the same cache).
    e5 = ox.export_dir(onnx_cache, "e5")
    expected = [f".{path.name}.lock", path.name, f".{e5.name}.lock", e5.name]
    assert sorted(p.name for p in onnx_cache.iterdir()) == sorted(expected)


def test_read_export_refuses_incomplete_or_altered(onnx_cache: Path, tmp_path: Path) -> None:
    good = ox.export_dir(onnx_cache)
    cases = {
        "no-meta": lambda d: (d / ox.META_FILE).unlink(),
        "bad-meta": lambda d: (d / ox.META_FILE).write_text("{not json"),
        "no-model": lambda d: (d / ox.MODEL_FILE).unlink(),
        "other-recipe": lambda d: (d / ox.META_FILE).write_text(
            json.dumps({**json.loads((d / ox.META_FILE).read_text()), "recipe": ox.RECIPE + 1})
        ),
        "flipped-byte": lambda d: _flip_byte(d / ox.MODEL_FILE),
        "tokenizer": lambda d: (d / ox.TOKENIZER_FILE).write_text("{}"),
    }
    for name, damage in cases.items():
        copy = tmp_path / name
        shutil.copytree(good, copy)
        assert ox.read_export(copy) is not None
        damage(copy)
        assert ox.read_export(copy) is None, name


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_corrupt_export_is_rebuilt_once_by_two_workers_at_once(
    onnx_cache: Path, tmp_path: Path
) -> None:
    """Two processes (as two gunicorn workers starting together) find a corrupt export: one
    rebuilds it under the lock, the other waits and then uses that build."""
    cache = tmp_path / "cache"
    shutil.copytree(onnx_cache, cache, ignore=shutil.ignore_patterns("*e5-small*"))
    path = ox.export_dir(cache)
    old = ox.read_export(path)
    assert old is not None
    _flip_byte(path / ox.MODEL_FILE)
    code = """
        import json, sys
        from recommender.encoders import OnnxMiniLMEncoder
        enc = OnnxMiniLMEncoder(cache_dir=sys.argv[1])
        meta = enc.prepare()
        vec = enc.encode_one("zero trust cloud security")
        print(json.dumps({"build_id": meta["build_id"], "norm": float((vec ** 2).sum())}))
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    new = ox.read_export(path)
    assert new is not None and new["build_id"] != old["build_id"]
    assert [r["build_id"] for r in results] == [new["build_id"]] * 2  # built once, used by both
    assert all(abs(r["norm"] - 1.0) < 1e-4 for r in results)
    assert sorted(p.name for p in cache.iterdir()) == [f".{path.name}.lock", path.name]


def test_missing_export_is_built_in_a_child_process(onnx_cache: Path, tmp_path: Path) -> None:
    """A cache directory without the export (a new deployment): the encoder builds it, and the
    process that asked never imports torch (the child does)."""
    cache = tmp_path / "empty-cache"
    code = """
        import json, sys
        from recommender.encoders import get_encoder
        enc = get_encoder("minilm-onnx", cache_dir=sys.argv[1])
        enc.encode_one("hello")
        print(json.dumps(sorted(m for m in ("torch", "transformers", "sentence_transformers")
                                if m in sys.modules)))
    """
    proc = run_python(code, str(cache))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    built = ox.read_export(ox.export_dir(cache))
    assert built is not None and built["model_sha256"]


def test_serving_worker_never_imports_torch(onnx_cache: Path, tmp_path: Path) -> None:
    """A whole suggestion request with a context, served with the default (multilingual e5)
    encoder."""
    code = """
        import json, sys
        from backend import create_app
        from backend.cli import upgrade_database
        from backend.extensions import db
        from backend.models import Article, Employee, utcnow
        from backend.services.employees import issue_token

        tmp, cache = sys.argv[1], sys.argv[2]
        app = create_app({
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/serve.db",
            "ARTIFACTS_DIR": f"{tmp}/artifacts",
            "MODEL_CACHE_DIR": cache,
            "SECRET_KEY": "serve-" + "x" * 40,
            "RATELIMIT_ENABLED": False,
        })
        assert app.config["ENCODER"] == "e5-onnx", app.config["ENCODER"]
        with app.app_context():
            upgrade_database()
            for title in ("Zero trust cloud security for hybrid teams", "Summer party photos"):
                db.session.add(Article(canonical_url="https://example.com/" + title[:4],
                    title=title, language="en", status="approved", approved_at=utcnow()))
            person = Employee(email="a@example.com", name="A", department="Sales",
                              job_title="Account Executive", public_ref="ref1", languages=["en"])
            db.session.add(person)
            db.session.commit()
            token, _ = issue_token(person, "employee", 1)
            db.session.commit()
        resp = app.test_client().post(
            "/api/v1/suggestions",
            json={"context": {"page_type": "post", "text": "How do we secure cloud access?"}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = resp.get_json()
        print(json.dumps({
            "status": resp.status_code,
            "top": body["items"][0]["title"],
            "degraded": body.get("degraded", False),
            "loaded": sorted(m for m in ("torch", "transformers", "sentence_transformers")
                             if m in sys.modules),
        }))
    """
    proc = run_python(code, str(tmp_path), str(onnx_cache))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {
        "status": 200,
        "top": "Zero trust cloud security for hybrid teams",
        "degraded": False,
        "loaded": [],
    }


def test_get_encoder_names() -> None:
    assert isinstance(get_encoder("minilm-onnx"), OnnxMiniLMEncoder)
    assert type(get_encoder("e5-onnx")) is OnnxE5Encoder
    assert type(get_encoder("e5-small-onnx-int8")) is OnnxE5Encoder
    # A manifest records the encoder's name; each name loads its own encoder.
    assert isinstance(get_encoder("minilm-l6-v2-onnx-int8"), OnnxMiniLMEncoder)
    assert type(get_encoder("minilm-l6-v2")) is MiniLMEncoder
    assert get_encoder("minilm-l6-v2-int8").name == "minilm-l6-v2-int8"
    assert os.fspath(ox.default_cache_dir()).endswith(os.path.join("herald", "encoders"))
