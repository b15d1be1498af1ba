"""The Deskdrop interaction log (CI&T) and the published "Recommender Systems in Python 101" recipe.

The data is read from ``HERALD_DESKDROP_DIR`` (default ``../shared/data/deskdrop`` relative to the
repository) and never copied into the repository; see that directory's README for the licence note.
"""

from __future__ import annotations

import csv
import io
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

REPO_ROOT = Path(__file__).resolve().parents[2]
ZIP_NAME = "users_interactions.csv.zip"
CSV_NAME = "users_interactions.csv"
EVENT_STRENGTH = {
    "VIEW": 1.0,
    "LIKE": 2.0,
    "BOOKMARK": 2.5,
    "FOLLOW": 3.0,
    "COMMENT CREATED": 4.0,
}
MIN_USER_ITEMS = 5
N_NEGATIVES = 100


def data_dir() -> Path:
    env = os.environ.get("HERALD_DESKDROP_DIR")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "data" / "deskdrop")


def data_path() -> Path | None:
    """The zipped CSV (or an unzipped CSV beside it), or None when the data is absent."""
    base = data_dir()
    for name in (ZIP_NAME, CSV_NAME):
        if (base / name).is_file():
            return base / name
    return None


@dataclass
class Interactions:
    """The raw event log as aligned arrays."""

    ts: NDArray[np.int64]
    event: NDArray[np.str_]
    item: NDArray[np.int64]
    user: NDArray[np.int64]
    region: NDArray[np.str_] | None = None  # "country/region" of the event, where logged

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def subset(self, mask: NDArray[np.bool_]) -> Interactions:
        region = None if self.region is None else self.region[mask]
        return Interactions(
            self.ts[mask], self.event[mask], self.item[mask], self.user[mask], region
        )

    @property
    def strength(self) -> NDArray[np.float64]:
        return np.array([EVENT_STRENGTH[e] for e in self.event.tolist()], dtype=np.float64)


def load_interactions(path: Path | None = None) -> Interactions:
    path = path or data_path()
    if path is None:
        raise FileNotFoundError(f"Deskdrop data not found in {data_dir()}")
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            raw = zf.read(CSV_NAME).decode("utf-8")
    else:
        raw = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(raw))
    ts, ev, item, user, region = [], [], [], [], []
    for row in reader:
        ts.append(int(row["timestamp"]))
        ev.append(row["eventType"])
        item.append(int(row["contentId"]))
        user.append(int(row["personId"]))
        region.append(f"{row.get('userCountry') or ''}/{row.get('userRegion') or ''}")
    return Interactions(
        np.array(ts, dtype=np.int64),
        np.array(ev),
        np.array(item, dtype=np.int64),
        np.array(user, dtype=np.int64),
        np.array(region),
    )


@dataclass
class Protocol101:
    """Aggregated (user, item, strength) pairs and the 101 notebook's stratified 80/20 split."""

    users: NDArray[np.int64]  # per pair
    items: NDArray[np.int64]
    strength: NDArray[np.float64]  # log2(1 + summed event strength)
    train: NDArray[np.bool_]
    universe: NDArray[np.int64]  # sorted interacted-item universe
    full_items_by_user: dict[int, set[int]]

    @property
    def test(self) -> NDArray[np.bool_]:
        return ~self.train


def build_protocol_101(data: Interactions) -> Protocol101:
    """Steps 1-4 of the published protocol (see the data README)."""
    from sklearn.model_selection import train_test_split

    strength = data.strength
    # Users with at least 5 distinct items.
    pairs = np.unique(np.stack([data.user, data.item], axis=1), axis=0)
    users_u, counts = np.unique(pairs[:, 0], return_counts=True)
    keep_users = users_u[counts >= MIN_USER_ITEMS]
    mask = np.isin(data.user, keep_users)
    u, i, s = data.user[mask], data.item[mask], strength[mask]
    # Aggregate per (user, item), sorted by personId then contentId like pandas groupby.
    order = np.lexsort((i, u))
    u, i, s = u[order], i[order], s[order]
    boundary = np.ones(u.shape[0], dtype=bool)
    boundary[1:] = (u[1:] != u[:-1]) | (i[1:] != i[:-1])
    starts = np.flatnonzero(boundary)
    sums = np.add.reduceat(s, starts)
    pu, pi = u[starts], i[starts]
    ps = np.log2(1.0 + sums)
    idx = np.arange(pu.shape[0])
    train_idx, _ = train_test_split(idx, stratify=pu, test_size=0.20, random_state=42)
    train = np.zeros(pu.shape[0], dtype=bool)
    train[train_idx] = True
    full: dict[int, set[int]] = {}
    for uu, ii in zip(pu.tolist(), pi.tolist(), strict=True):
        full.setdefault(uu, set()).add(ii)
    return Protocol101(pu, pi, ps, train, np.unique(pi), full)


# A scorer maps (user ids) → score matrix over ``universe`` (NaN = the model cannot rank the item,
# dropped from the list exactly as the notebook drops items its model does not return).
Scorer = Callable[[NDArray[np.int64]], NDArray[np.float64]]


@dataclass
class Result101:
    """Hits per test user, so intervals can resample users around the same micro-average."""

    hits5: int
    hits10: int
    n: int
    per_user: dict[int, tuple[int, int, int]]  # user → (hits@5, hits@10, test items)

    @property
    def recall5(self) -> float:
        return self.hits5 / self.n

    @property
    def recall10(self) -> float:
        return self.hits10 / self.n

    def arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """(hits@5, hits@10, test items) per user, aligned."""
        rows = np.array(list(self.per_user.values()), dtype=np.float64).reshape(-1, 3)
        return rows[:, 0], rows[:, 1], rows[:, 2]


def _test_cases(
    proto: Protocol101, max_users: int | None
) -> tuple[list[int], dict[int, list[int]], dict[int, set[int]]]:
    train_by_user: dict[int, set[int]] = {}
    for uu, ii in zip(
        proto.users[proto.train].tolist(), proto.items[proto.train].tolist(), strict=True
    ):
        train_by_user.setdefault(uu, set()).add(ii)
    test_by_user: dict[int, list[int]] = {}
    for uu, ii in zip(
        proto.users[proto.test].tolist(), proto.items[proto.test].tolist(), strict=True
    ):
        test_by_user.setdefault(uu, []).append(ii)
    users = sorted(test_by_user)
    if max_users is not None:
        users = users[:max_users]
    return users, test_by_user, train_by_user


def candidates_101(
    proto: Protocol101, user: int, item: int, ignore: set[int], universe_list: list[int]
) -> list[int]:
    """Step 5: the test item and its 100 seeded negatives, minus the user's train items."""
    touched = proto.full_items_by_user[user]
    not_touched = [it for it in universe_list if it not in touched]
    random.seed(item % (2**32))
    negatives = random.sample(not_touched, N_NEGATIVES)
    return [c for c in [item, *negatives] if c not in ignore]


def evaluate_101(
    proto: Protocol101, scorer: Scorer, batch: int = 256, max_users: int | None = None
) -> Result101:
    """Steps 5-6: rank all but the user's train items; Hit@N among 100 sampled negatives."""
    universe = proto.universe
    pos = {int(it): k for k, it in enumerate(universe.tolist())}
    users, test_by_user, train_by_user = _test_cases(proto, max_users)
    test_users = np.array(users, dtype=np.int64)
    universe_list = universe.tolist()
    hits5 = hits10 = n = 0
    per_user: dict[int, tuple[int, int, int]] = {}
    for start in range(0, test_users.shape[0], batch):
        chunk = test_users[start : start + batch]
        scores = scorer(chunk)
        for row, uu in enumerate(chunk.tolist()):
            user_scores = scores[row]
            ignore = train_by_user.get(uu, set())
            u5 = u10 = 0
            for item in test_by_user[uu]:
                candidates = candidates_101(proto, uu, item, ignore, universe_list)
                cand_scores = np.array([user_scores[pos[c]] for c in candidates])
                valid = ~np.isnan(cand_scores)
                if not valid[0]:
                    continue
                # Rank of the test item: items scored strictly higher, ties broken against it.
                higher = int((cand_scores[valid] > cand_scores[0]).sum())
                ties = int((cand_scores[valid] == cand_scores[0]).sum()) - 1
                rank = higher + ties // 2
                u5 += rank < 5
                u10 += rank < 10
            per_user[uu] = (u5, u10, len(test_by_user[uu]))
            hits5 += u5
            hits10 += u10
            n += len(test_by_user[uu])
    return Result101(hits5, hits10, n, per_user)


# A list function: (user, candidate item ids, limit) → the top ``limit`` of them, best first.
ListFn = Callable[[int, list[int], int], list[int]]


def evaluate_101_lists(proto: Protocol101, rank: ListFn, max_users: int | None = None) -> Result101:
    """Steps 5-6 for a recommender that returns lists, not scores: Hit@N = in its top N."""
    users, test_by_user, train_by_user = _test_cases(proto, max_users)
    universe_list = proto.universe.tolist()
    hits5 = hits10 = n = 0
    per_user: dict[int, tuple[int, int, int]] = {}
    for uu in users:
        ignore = train_by_user.get(uu, set())
        u5 = u10 = 0
        for item in test_by_user[uu]:
            top = rank(uu, candidates_101(proto, uu, item, ignore, universe_list), 10)
            u5 += item in top[:5]
            u10 += item in top[:10]
        per_user[uu] = (u5, u10, len(test_by_user[uu]))
        hits5 += u5
        hits10 += u10
        n += len(test_by_user[uu])
    return Result101(hits5, hits10, n, per_user)


def home_regions(data: Interactions) -> dict[int, str]:
    """Each user's most frequent "country/region" (Deskdrop has no departments or job titles;
    the region an employee works from is the nearest stand-in for "colleagues")."""
    if data.region is None:
        return {}
    counts: dict[int, dict[str, int]] = {}
    for u, r in zip(data.user.tolist(), data.region.tolist(), strict=True):
        per = counts.setdefault(u, {})
        per[r] = per.get(r, 0) + 1
    return {u: max(sorted(per), key=lambda r: per[r]) for u, per in counts.items()}
