"""Offline evaluation on logged impressions: re-rank each held-out request's shown items.

Primary metric: NDCG@5 over held-out requests that got at least one positive (opened, shared or
saved). Compared: the candidate, the active model, the fixed default weights, popularity-only,
freshness-only and the order actually logged. The split is by time (the last 20 % of requests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from recommender.features import FEATURE_NAMES
from recommender.metrics import bootstrap_ci, ndcg_at_k, recall_at_k, reciprocal_rank
from recommender.ranker import EngagementRanker
from recommender.splits import time_split
from training.data import Logged

PRIMARY = "ndcg@5"
K = 5
Scorer = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@dataclass
class ModelMetrics:
    name: str
    metrics: dict[str, float]
    per_department: dict[str, float]
    ci: tuple[float, float]


def split(logged: Logged, test_fraction: float = 0.2) -> tuple[Logged, Logged]:
    """Whole requests go to one side: a request's time is its first impression's."""
    if len(logged) == 0:
        return logged, logged
    _, first = np.unique(logged.request_ids, return_index=True)
    req_ts = dict(zip(logged.request_ids[first].tolist(), logged.ts[first].tolist(), strict=True))
    per_row = np.array([req_ts[r] for r in logged.request_ids.tolist()])
    if np.unique(per_row).shape[0] < 2:
        return logged, logged.subset(np.zeros(len(logged), dtype=bool))
    train, test, _ = time_split(per_row, test_fraction)
    return logged.subset(train), logged.subset(test)


def evaluate_scorer(name: str, scorer: Scorer, test: Logged) -> ModelMetrics:
    scores = scorer(test.X)
    per_req_ndcg: list[float] = []
    per_req_rec: list[float] = []
    per_req_rr: list[float] = []
    dept_vals: dict[str, list[float]] = {}
    shown: set[int] = set()
    for rid in np.unique(test.request_ids).tolist():
        idx = np.flatnonzero(test.request_ids == rid)
        rel = {int(i) for i in idx if test.y[i]}
        if not rel:
            continue
        order = idx[np.argsort(-scores[idx], kind="stable")]
        ranked = [int(i) for i in order]
        shown.update(int(test.article_ids[i]) for i in order[:K])
        v = ndcg_at_k(ranked, rel, K)
        per_req_ndcg.append(v)
        per_req_rec.append(recall_at_k(ranked, rel, K))
        per_req_rr.append(reciprocal_rank(ranked, rel))
        dept_vals.setdefault(str(test.departments[idx[0]]) or "(none)", []).append(v)
    n = max(len(per_req_ndcg), 1)
    metrics = {
        PRIMARY: sum(per_req_ndcg) / n,
        f"recall@{K}": sum(per_req_rec) / n,
        "mrr": sum(per_req_rr) / n,
        "requests": float(len(per_req_ndcg)),
        f"coverage@{K}": len(shown) / max(np.unique(test.article_ids).shape[0], 1),
    }
    per_dept = {d: float(np.mean(v)) for d, v in dept_vals.items()}
    return ModelMetrics(name, metrics, per_dept, bootstrap_ci(per_req_ndcg))


def baselines() -> dict[str, Scorer]:
    pop = FEATURE_NAMES.index("popularity")
    fresh = FEATURE_NAMES.index("freshness")
    default = EngagementRanker.with_defaults()
    return {
        "default weights": default.decision_function,
        "popularity only": lambda X: X[:, pop],
        "freshness only": lambda X: X[:, fresh],
    }


def write_report(results: list[ModelMetrics], out_dir: Path, title: str) -> tuple[Path, Path]:
    """Markdown table plus a PNG with metrics per model and NDCG@5 per department."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / "report.md"
    png = out_dir / "report.png"
    lines = [
        f"# {title}",
        "",
        f"Held-out: the last 20 % of requests by time; primary metric {PRIMARY}"
        " (re-ranking each request's shown items; requests with at least one open/share/save).",
        "",
        f"| Model | {PRIMARY} (95% CI) | recall@{K} | MRR | coverage@{K} | requests |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r.metrics
        lines.append(
            f"| {r.name} | {m[PRIMARY]:.3f} [{r.ci[0]:.3f}, {r.ci[1]:.3f}] | {m[f'recall@{K}']:.3f}"
            f" | {m['mrr']:.3f} | {m[f'coverage@{K}']:.3f} | {int(m['requests'])} |"
        )
    depts = sorted({d for r in results for d in r.per_department})
    if depts:
        lines += ["", f"## {PRIMARY} per department", "", "| Model | " + " | ".join(depts) + " |"]
        lines.append("|---" * (len(depts) + 1) + "|")
        for r in results:
            vals = " | ".join(f"{r.per_department.get(d, float('nan')):.3f}" for d in depts)
            lines.append(f"| {r.name} | {vals} |")
    lines += ["", f"![metrics]({png.name})", ""]
    md.write_text("\n".join(lines))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    names = [r.name for r in results]
    for j, key in enumerate((PRIMARY, f"recall@{K}", "mrr", f"coverage@{K}")):
        axes[0].bar(
            np.arange(len(names)) + j * 0.2, [r.metrics[key] for r in results], 0.2, label=key
        )
    axes[0].set_xticks(np.arange(len(names)) + 0.3, names, rotation=20, ha="right", fontsize=8)
    axes[0].legend(fontsize=8)
    axes[0].set_title("metrics per model")
    for j, r in enumerate(results):
        axes[1].bar(
            np.arange(len(depts)) + j * 0.8 / max(len(results), 1),
            [r.per_department.get(d, 0.0) for d in depts],
            0.8 / max(len(results), 1),
            label=r.name,
        )
    axes[1].set_xticks(np.arange(len(depts)), depts, rotation=20, ha="right", fontsize=8)
    axes[1].set_title(f"{PRIMARY} per department")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return md, png
