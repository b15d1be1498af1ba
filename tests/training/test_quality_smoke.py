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
    assert "<!-- speed -->" in text
    assert (tmp_path / "benchmarks-deskdrop.png").stat().st_size > 0

    def recall10(name: str, section: str) -> tuple[float, float, float]:
        """(point, CI low, CI high) of a row's Recall@10 in one protocol's table."""
        part = text.split(section, 1)[1]
        row = next(line for line in part.splitlines() if line.startswith(f"| {name}"))
        cell = row.split("|")[3].strip()  # Recall@10 is the third column in both tables
        point, ci = cell.split(" ", 1)
        lo, hi = ci.strip("[]").split(", ")
        return float(point), float(lo), float(hi)

    for section in ("## (a)", "## (b)"):
        served = recall10("Herald as served (co-engagement", section)
        floor = recall10("Random order (floor)", section)
        # Each interval contains its own point estimate, and the served ranker clears the
        # random floor beyond its interval.
        assert served[1] <= served[0] <= served[2] and floor[1] <= floor[0] <= floor[2]
        assert served[1] > floor[2], (section, served, floor)


def test_protocol_101_counts_match_the_readme() -> None:
    if deskdrop.data_path() is None:
        pytest.skip("Deskdrop data not available")
    proto = deskdrop.build_protocol_101(deskdrop.load_interactions())
    assert proto.users.shape[0] == 39_106
    assert int(proto.train.sum()) == 31_284
    assert len(set(proto.users.tolist())) == 1_140
