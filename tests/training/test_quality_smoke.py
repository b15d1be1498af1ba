"""The quality benchmark's smoke slice runs end to end (numbers are printed, never asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.benchmarks import deskdrop, quality


def test_quality_skips_cleanly_without_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HERALD_DESKDROP_DIR", str(tmp_path / "missing"))
    assert quality.main(["--smoke", "--no-write"]) == 0
    assert "skipped: Deskdrop data not found in" in capsys.readouterr().out


@pytest.mark.skipif(deskdrop.data_path() is None, reason="Deskdrop data not available")
def test_quality_smoke_writes_report(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    assert quality.main(["--smoke", "--output", str(out)]) == 0
    text = out.read_text()
    assert "Recommender Systems in Python 101" in text
    assert "Herald engagement" in text
    assert "<!-- speed -->" in text


def test_protocol_101_counts_match_the_readme() -> None:
    if deskdrop.data_path() is None:
        pytest.skip("Deskdrop data not available")
    proto = deskdrop.build_protocol_101(deskdrop.load_interactions())
    assert proto.users.shape[0] == 39_106
    assert int(proto.train.sum()) == 31_284
    assert len(set(proto.users.tolist())) == 1_140
