"""Offline evaluation of ranker versions on impressions neither model trained on, and the guard.

Each logged request showed a few articles; an evaluated model re-ranks them with the features
logged at serving time. The headline is in plain words: of the suggestions people acted on
(opened, shared or saved), how many the model would have put in the top 3 (``top3``). Only
metrics that can differ between models are reported (re-ranking the shown items cannot change
recall@5 or coverage@5 over those same 5 items), always beside the random-order floor and the
context-only baseline.

Held-out data: impressions logged after the training windows of *both* compared models (a
model's window is recorded by ``fit``; for a model saved without one, its creation time). The
comparison with the active model is a paired bootstrap over requests of the difference in the
top-3 count; a candidate is "worse beyond noise" when the whole 95 % interval of that difference
is below zero. Caveat: the shown items were chosen by the model that served them, so this
measures re-ranking within what was shown, not what a model would have retrieved.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backend.services.model_data import Logged
from recommender.features import CONTEXT_SIM, FEATURE_NAMES
from recommender.metrics import ndcg_at_k, ratio_bootstrap_ci, reciprocal_rank

PRIMARY = "top3"
TOP = 3
MIN_ACTED_ON = 100  # below this many acted-on suggestions the comparison is flagged as too small
N_RESAMPLES = 1000
Scorer = Callable[[NDArray[np.float64]], NDArray[np.float64]]

# Verdicts of the guard.
WORSE = "worse"
BETTER = "better"
SAME = "same"
TOO_FEW = "too_few"
NO_ACTIVE = "no_active"


@dataclass
class ModelMetrics:
    """One model on the held-out requests."""

    name: str
    role: str  # candidate | active | context | random | default
    top3: float  # share of acted-on suggestions the model puts in its top 3
    top3_ci: tuple[float, float]
    hits: float  # acted-on suggestions in the top 3 (expected value for the random order)
    ndcg5: float
    mrr: float
    per_request_hits: list[float] = field(default_factory=list, repr=False)


@dataclass
class Difference:
    """Candidate minus active, paired over the same requests."""

    hits: float
    rate: float
    ci: tuple[float, float]  # 95 % paired bootstrap interval of ``rate``


@dataclass
class Evaluation:
    version: str
    active: str | None
    window_start: str | None  # held-out impressions: at or after this (ISO, UTC)
    requests: int  # held-out requests with at least one acted-on suggestion
    acted_on: int  # acted-on suggestions in them
    models: list[ModelMetrics]
    difference: Difference | None
    verdict: str
    sentence: str
    min_acted_on: int = MIN_ACTED_ON
    daily: dict[str, dict[str, float]] = field(default_factory=dict)  # day → model → top3
    plots: list[str] = field(default_factory=list)
    report_md: str = ""

    @property
    def enough(self) -> bool:
        return self.acted_on >= self.min_acted_on

    def model(self, role: str) -> ModelMetrics | None:
        return next((m for m in self.models if m.role == role), None)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for m in out["models"]:
            m.pop("per_request_hits", None)
        out["enough"] = self.enough
        return out


@dataclass
class _Requests:
    """Held-out requests with at least one positive: row indices per request."""

    rows: list[NDArray[np.int64]]
    positives: NDArray[np.float64]  # per request
    days: list[str]


def _requests(test: Logged) -> _Requests:
    rows: list[NDArray[np.int64]] = []
    pos: list[float] = []
    days: list[str] = []
    if len(test) == 0:
        return _Requests(rows, np.zeros(0), days)
    _, first, inverse = np.unique(test.request_ids, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")  # rows grouped by request, in logged order
    bounds = np.searchsorted(inverse[order], np.arange(first.shape[0] + 1))
    for k in np.argsort(first, kind="stable").tolist():  # requests in time order
        idx = order[bounds[k] : bounds[k + 1]]
        n_pos = int(test.y[idx].sum())
        if n_pos == 0:
            continue
        rows.append(idx)
        pos.append(float(n_pos))
        days.append(dt.datetime.fromtimestamp(float(test.ts[idx[0]]), dt.UTC).date().isoformat())
    return _Requests(rows, np.array(pos), days)


def _score(
    name: str, role: str, scores: NDArray[np.float64], test: Logged, reqs: _Requests
) -> ModelMetrics:
    hits: list[float] = []
    ndcg: list[float] = []
    rr: list[float] = []
    for idx in reqs.rows:
        order = idx[np.argsort(-scores[idx], kind="stable")]
        ranked = [int(i) for i in order]
        rel = {int(i) for i in idx if test.y[i]}
        hits.append(float(len(set(ranked[:TOP]) & rel)))
        ndcg.append(ndcg_at_k(ranked, rel, 5))
        rr.append(reciprocal_rank(ranked, rel))
    return _metrics(name, role, np.array(hits), np.array(ndcg), np.array(rr), reqs)


def _random_floor(test: Logged, reqs: _Requests) -> ModelMetrics:
    """The expected value of a uniformly random order, exactly: with ``n`` items shown and ``p``
    acted on, each position holds an acted-on item with probability ``p / n``, and the first
    acted-on item is at position ``i`` with probability ``C(n − i, p − 1) / C(n, p)``."""
    hits, ndcg, rr = [], [], []
    for idx, n_pos in zip(reqs.rows, reqs.positives.tolist(), strict=True):
        n, p = int(idx.shape[0]), int(n_pos)
        hits.append(p * min(TOP, n) / n)
        dcg = sum((p / n) / math.log2(i + 2) for i in range(min(5, n)))
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(5, p)))
        ndcg.append(dcg / ideal)
        total = math.comb(n, p)
        rr.append(sum(math.comb(n - i, p - 1) / total / i for i in range(1, n - p + 2)))
    return _metrics(
        "random order (floor)", "random", np.array(hits), np.array(ndcg), np.array(rr), reqs
    )


def _metrics(
    name: str,
    role: str,
    hits: NDArray[np.float64],
    ndcg: NDArray[np.float64],
    rr: NDArray[np.float64],
    reqs: _Requests,
) -> ModelMetrics:
    total = float(reqs.positives.sum())
    if total == 0:
        nan = float("nan")
        return ModelMetrics(name, role, nan, (nan, nan), 0.0, nan, nan, [])
    return ModelMetrics(
        name,
        role,
        float(hits.sum() / total),
        ratio_ci(hits, reqs.positives),
        float(hits.sum()),
        float(ndcg.mean()),
        float(rr.mean()),
        hits.tolist(),
    )


def ratio_ci(
    num: NDArray[np.float64], den: NDArray[np.float64], seed: int = 0
) -> tuple[float, float]:
    """95 % bootstrap interval of ``sum(num) / sum(den)``, resampling requests (the same
    micro-average as the point estimate)."""
    return ratio_bootstrap_ci(num, den, n_resamples=N_RESAMPLES, seed=seed)


def paired_difference(cand: ModelMetrics, act: ModelMetrics, reqs: _Requests) -> Difference:
    """Candidate − active top-3 rate, bootstrapped over the same resampled requests."""
    a = np.array(cand.per_request_hits)
    b = np.array(act.per_request_hits)
    total = float(reqs.positives.sum())
    lo, hi = ratio_ci(a - b, reqs.positives, seed=1)
    return Difference(float(a.sum() - b.sum()), float((a.sum() - b.sum()) / total), (lo, hi))


def per_100(rate: float) -> int:
    return int(round(100 * rate)) if rate == rate else 0


def verdict_for(
    version: str,
    active: str | None,
    acted_on: int,
    cand: ModelMetrics,
    act: ModelMetrics | None,
    diff: Difference | None,
    min_acted_on: int = MIN_ACTED_ON,
) -> tuple[str, str]:
    """The guard's verdict and the sentence that says why (English; the console translates)."""
    if active is None or act is None:
        return NO_ACTIVE, (
            f"There is no active model to compare {version} with; out of 100 suggestions people"
            f" acted on, {version} would have put {per_100(cand.top3)} in the top 3."
        )
    counts = (
        f"out of 100 suggestions people acted on after both models' training windows,"
        f" {version} would have put {per_100(cand.top3)} in the top 3 and the active {active}"
        f" {per_100(act.top3)}"
    )
    if acted_on < min_acted_on or diff is None:
        return TOO_FEW, (
            f"Too little new data to judge: only {acted_on} suggestions people acted on since"
            f" both models' training windows ended (at least {min_acted_on} needed); {counts}."
        )
    lo, hi = per_100(diff.ci[0]), per_100(diff.ci[1])
    interval = f"difference {per_100(diff.rate):+d} (95 % interval {lo:+d} to {hi:+d})"
    if diff.ci[1] < 0:
        return WORSE, f"{version} is worse beyond noise: {counts}; {interval}."
    if diff.ci[0] > 0:
        return BETTER, f"{version} is better beyond noise: {counts}; {interval}."
    return SAME, f"No difference beyond noise: {counts}; {interval}."


def evaluate(
    version: str,
    candidate: Scorer,
    test: Logged,
    active: tuple[str, Scorer] | None,
    baselines: dict[str, Scorer],
) -> Evaluation:
    """Candidate, active model, context-only and other baselines and the random floor."""
    reqs = _requests(test)
    cand = _score(f"candidate {version}", "candidate", candidate(test.X), test, reqs)
    models = [cand]
    act = None
    if active is not None:
        act = _score(f"active {active[0]}", "active", active[1](test.X), test, reqs)
        models.append(act)
    ctx = FEATURE_NAMES.index(CONTEXT_SIM)
    models.append(_score("context match only", "context", test.X[:, ctx], test, reqs))
    for name, scorer in baselines.items():
        models.append(_score(name, "baseline", scorer(test.X), test, reqs))
    models.append(_random_floor(test, reqs))
    acted_on = int(reqs.positives.sum())
    diff = paired_difference(cand, act, reqs) if act is not None and acted_on else None
    verdict, sentence = verdict_for(
        version, active[0] if active else None, acted_on, cand, act, diff
    )
    daily: dict[str, dict[str, float]] = {}
    for m in models:
        if not m.per_request_hits:
            continue
        per_day: dict[str, list[float]] = {}
        for day, h, p in zip(reqs.days, m.per_request_hits, reqs.positives.tolist(), strict=True):
            acc = per_day.setdefault(day, [0.0, 0.0])
            acc[0] += h
            acc[1] += p
        for day, (h, p) in per_day.items():
            daily.setdefault(day, {})[m.role if m.role != "baseline" else m.name] = h / p
    start = (
        dt.datetime.fromtimestamp(float(test.ts.min()), dt.UTC).isoformat() if len(test) else None
    )
    return Evaluation(
        version=version,
        active=active[0] if active else None,
        window_start=start,
        requests=len(reqs.rows),
        acted_on=acted_on,
        models=models,
        difference=diff,
        verdict=verdict,
        sentence=sentence,
        daily=dict(sorted(daily.items())),
    )


# --- the report -------------------------------------------------------------------------------


def write_report(ev: Evaluation, out_dir: Path, title: str) -> Evaluation:
    """report.md with the table and the verdict, and two plots: the top-3 share per model with
    its interval beside the random floor, and the share per day for the candidate and the
    active model over the held-out window (before/after)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / "report.md"
    bars = out_dir / "report.png"
    daily = out_dir / "report-daily.png"
    lines = [
        f"# {title}",
        "",
        ev.sentence,
        "",
        f"Held-out: impressions from {ev.window_start or '—'} on (after both models' training"
        f" windows): {ev.requests} requests with {ev.acted_on} suggestions people acted on"
        f" (opened, shared or saved)"
        + ("." if ev.enough else f" — fewer than {ev.min_acted_on}: too few to judge."),
        "",
        "| Model | Top 3 of acted-on (95% CI) | nDCG@5 | MRR |",
        "|---|---|---|---|",
    ]
    for m in ev.models:
        lines.append(
            f"| {m.name} | {m.top3:.3f} [{m.top3_ci[0]:.3f}, {m.top3_ci[1]:.3f}] |"
            f" {m.ndcg5:.3f} | {m.mrr:.3f} |"
        )
    if ev.difference is not None:
        d = ev.difference
        lines += [
            "",
            f"Candidate − active: {d.rate:+.3f} of acted-on suggestions in the top 3"
            f" (95% paired bootstrap interval over requests {d.ci[0]:+.3f} to {d.ci[1]:+.3f}).",
        ]
    lines += [
        "",
        "Re-ranking the items each request showed; recall@5 and coverage@5 over those same"
        " items cannot differ between models and are not reported.",
        "",
        f"![top 3 per model]({bars.name})",
        "",
        f"![top 3 per day]({daily.name})",
        "",
    ]
    md.write_text("\n".join(lines))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    shown = [m for m in ev.models if m.role != "random"]
    floor = ev.model("random")
    ys = np.arange(len(shown))
    vals = [0.0 if m.top3 != m.top3 else m.top3 for m in shown]
    err = np.array(
        [
            [max(v - m.top3_ci[0], 0.0), max(m.top3_ci[1] - v, 0.0)]
            for v, m in zip(vals, shown, strict=True)
        ]
    ).T
    ax.barh(ys, vals, xerr=np.nan_to_num(err), color="#4477aa")
    if floor is not None and floor.top3 == floor.top3:
        ax.axvline(floor.top3, color="#cc3311", linestyle="--", label="random order")
        ax.legend(fontsize=8)
    ax.set_yticks(ys, [m.name for m in shown], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of acted-on suggestions in the top 3")
    fig.tight_layout()
    fig.savefig(bars, dpi=100)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    days = list(ev.daily)
    for role, label in (
        ("candidate", "new model"),
        ("active", "current model"),
        ("random", "random order"),
    ):
        pts = [ev.daily[d].get(role, float("nan")) for d in days]
        if any(p == p for p in pts):
            ax.plot(np.arange(len(days)), pts, marker="o", label=label)
    step = max(1, len(days) // 12)
    ax.set_xticks(np.arange(len(days))[::step], days[::step])
    ax.set_ylim(0, 1)
    ax.set_ylabel("acted-on in the top 3")
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(daily, dpi=100)
    plt.close(fig)
    ev.report_md = md.name
    ev.plots = [bars.name, daily.name]
    return ev
