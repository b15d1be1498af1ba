"""The bundled models, loaded once per session (``slow``; CI runs these too). No timings here."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.encoders import E5Encoder, Encoder, MiniLMEncoder

pytestmark = pytest.mark.slow

ARTICLES = [
    "Zero trust network security for hybrid cloud teams",
    "Photos from the summer party at the Aarhus office",
    "Quarterly revenue grew twelve percent",
]
DANISH = [
    "Sådan beskytter vi vores kunders data i skyen med zero trust",
    "Billeder fra sommerfesten på kontoret i Aarhus",
]


@pytest.fixture(scope="session")
def minilm() -> Encoder:
    return MiniLMEncoder()


@pytest.fixture(scope="session")
def e5() -> Encoder:
    return E5Encoder()


@pytest.mark.parametrize("name", ["minilm", "e5"])
def test_contract(request: pytest.FixtureRequest, name: str) -> None:
    enc: Encoder = request.getfixturevalue(name)
    out = enc.encode(ARTICLES)
    assert out.shape == (3, enc.dim) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(enc.encode(ARTICLES), out, atol=1e-5)  # deterministic
    assert not enc.encode([""]).any()


@pytest.mark.parametrize("name", ["minilm", "e5"])
def test_context_finds_the_matching_article(request: pytest.FixtureRequest, name: str) -> None:
    enc: Encoder = request.getfixturevalue(name)
    q = enc.encode_one("How should companies secure remote access to cloud apps?", kind="query")
    assert int(np.argmax(enc.encode(ARTICLES) @ q)) == 0


def test_e5_understands_danish(e5: Encoder) -> None:
    q = e5.encode_one("datasikkerhed i skyen for vores kunder", kind="query")
    assert int(np.argmax(e5.encode(DANISH) @ q)) == 0
