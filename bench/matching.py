"""How fast and how good Sprout's matching engine is at 1k, 10k and 50k participants.

Why this exists: the engine claims to be exact for mentoring and repeat-free for coffee chats,
at sizes a big workspace reaches. Those are claims about figures, and figures belong here, in
one reproducible run, not in timed unit tests. For each size this prints the solve time, the
mentoring total against an independent exact solver (where a dense one fits) and against a
random feasible assignment, and the repeats over 12 consecutive coffee rounds.

    .venv/bin/python bench/matching.py [--quick]

--quick skips the 50k rows and runs the trio round on the 1k pool instead of 10k (about 10 s
instead of about 4 minutes).

The last line is JSON with mentoring_10k_seconds (target < 2), coffee_50k_seconds (< 10),
mentoring_optimality_gap (0) and avoidable_repeats_12_rounds (0), among others.

Instances (all seeded, so every run sees the same people):

* Mentoring: 1k mentees / 400 mentors, 10k / 4k (the headline figure), 50k / 20k (timed
  only), i.e. mentees and mentors at 10:4.
* Skills: a vocabulary of 400 tags with Zipf-like popularity, p(rank k) ~ k ** -0.5. Mentees
  want 1-3 distinct tags, mentors offer 2-5. Everyone has 0-2 interest tags from a separate
  vocabulary of 60 hobbies with the same popularity law.
* UTC offsets from 11 zones, weighted like a company spread over the Americas, Europe and
  Asia-Pacific: -8 (14%), -5 (18%), -3 (5%), 0 (12%), +1 (14%), +2 (6%), +3 (4%), +5.5 (12%),
  +8 (7%), +9 (4%), +10 (4%).
* Mentor capacity uniform in 1-3; each person independently unavailable with probability 2%.
* Blocked pairs: one per 200 mentees; past pairings: one per 20 mentees. Both are drawn among
  plausible pairs (the mentor offers something the mentee wants), so they actually bite.
* Default engine weights. The number of acceptable pairs (edges) is printed per instance: the
  vocabulary is fixed, so density grows with the square of the head count.

Exact comparison: the optimum is recomputed with scipy.optimize.linear_sum_assignment on a dense
profit matrix (one column per free mentor place plus a private zero-profit "stay unmatched"
column per mentee; unacceptable cells get a large negative profit). Only the list of acceptable
pairs and their scores comes from the engine (mentoring_scores); the assignment does not. Every
engine result is also checked: only acceptable pairs, at their scores, within capacity, each
mentee at most once.

Coffee: 1k, 10k and 50k peers in pairs for 12 consecutive rounds, cooldown 10, each round's
groups fed into last_met and a new seed per round (as the engine's own tests do). With 22 or more
people and a cooldown of 10 a repeat-free pairing always exists, so every repeat counted here is
avoidable. Repeats are counted independently from last_met, not only from the engine's report.
For information, one round of trios at 10k runs on top of the 10k pair history (one round only:
trio grouping is quadratic in the pool, about a minute per 10k round on a 2-core machine).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pairing.coffee import Peer, group_peers
from bot.pairing.matching import (
    Candidate,
    MentoringResult,
    Weights,
    match_mentoring,
    mentoring_scores,
)

SKILLS = 400
HOBBIES = 60
ZIPF_EXPONENT = 0.5
ZONES = (-8.0, -5.0, -3.0, 0.0, 1.0, 2.0, 3.0, 5.5, 8.0, 9.0, 10.0)
ZONE_SHARE = (14, 18, 5, 12, 14, 6, 4, 12, 7, 4, 4)  # percent
UNAVAILABLE = 0.02
MENTEES_PER_BLOCKED = 200
MENTEES_PER_PAST = 20
COFFEE_ROUNDS = 12
COOLDOWN = 10
UNACCEPTABLE = -1e9  # profit of a pair the engine would never make

T = TypeVar("T")


@dataclass(frozen=True)
class Instance:
    label: str
    mentors: list[Candidate]
    mentees: list[Candidate]
    blocked: frozenset[frozenset[str]]
    past: frozenset[frozenset[str]]


@dataclass(frozen=True)
class Edges:
    mentee: np.ndarray
    mentor: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.score)


def _popularity(size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** ZIPF_EXPONENT
    return weights / weights.sum()


class _People:
    """Draws tags, zones and availability for generated people from one seeded stream."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.skills = [f"skill{k:03d}" for k in range(SKILLS)]
        self.hobbies = [f"hobby{k:02d}" for k in range(HOBBIES)]
        self.skill_p = _popularity(SKILLS)
        self.hobby_p = _popularity(HOBBIES)
        self.zone_p = np.array(ZONE_SHARE, dtype=np.float64) / sum(ZONE_SHARE)

    def _tags(self, low: int, high: int, vocabulary: list[str], p: np.ndarray) -> frozenset[str]:
        count = int(self.rng.integers(low, high + 1))
        if count == 0:
            return frozenset()
        picked = self.rng.choice(len(vocabulary), size=count, replace=False, p=p)
        return frozenset(vocabulary[k] for k in picked)

    def skills_between(self, low: int, high: int) -> frozenset[str]:
        return self._tags(low, high, self.skills, self.skill_p)

    def hobbies_between(self, low: int, high: int) -> frozenset[str]:
        return self._tags(low, high, self.hobbies, self.hobby_p)

    def zone(self) -> float:
        return float(self.rng.choice(ZONES, p=self.zone_p))

    def available(self) -> bool:
        return bool(self.rng.random() >= UNAVAILABLE)


def make_instance(n_mentees: int, n_mentors: int, seed: int) -> Instance:
    people = _People(seed)
    mentees = [
        Candidate(
            f"E{i:05d}",
            wants=people.skills_between(1, 3),
            interests=people.hobbies_between(0, 2),
            utc_offset=people.zone(),
            available=people.available(),
        )
        for i in range(n_mentees)
    ]
    mentors = [
        Candidate(
            f"M{i:05d}",
            offers=people.skills_between(2, 5),
            interests=people.hobbies_between(0, 2),
            utc_offset=people.zone(),
            capacity=int(people.rng.integers(1, 4)),
            available=people.available(),
        )
        for i in range(n_mentors)
    ]
    offered_by: dict[str, list[str]] = {}
    for mentor in mentors:
        for tag in mentor.offers:
            offered_by.setdefault(tag, []).append(mentor.user_id)

    def plausible_pairs(count: int) -> frozenset[frozenset[str]]:
        pairs: set[frozenset[str]] = set()
        for _ in range(count):
            mentee = mentees[int(people.rng.integers(n_mentees))]
            tag = sorted(mentee.wants)[int(people.rng.integers(len(mentee.wants)))]
            fits = offered_by.get(tag)
            if fits:
                pairs.add(frozenset((mentee.user_id, fits[int(people.rng.integers(len(fits)))])))
        return frozenset(pairs)

    blocked = plausible_pairs(max(1, n_mentees // MENTEES_PER_BLOCKED))
    past = plausible_pairs(max(1, n_mentees // MENTEES_PER_PAST)) - blocked
    label = f"{n_mentees // 1000 or n_mentees}{'k' if n_mentees >= 1000 else ''}"
    return Instance(label, mentors, mentees, blocked, past)


def make_peers(n: int, seed: int) -> list[Peer]:
    people = _People(seed)
    return [
        Peer(
            f"U{i:05d}",
            offers=people.skills_between(0, 3),
            wants=people.skills_between(0, 3),
            interests=people.hobbies_between(0, 2),
        )
        for i in range(n)
    ]


def timed(work: Callable[[], T]) -> tuple[float, T]:
    gc.collect()
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def edges_of(instance: Instance, weights: Weights) -> Edges:
    mentee, mentor, score, _ = mentoring_scores(
        instance.mentors, instance.mentees, weights, instance.blocked, instance.past
    )
    return Edges(mentee.astype(np.int64), mentor.astype(np.int64), score.astype(np.int64))


def capacities(instance: Instance) -> np.ndarray:
    return np.array(
        [max(0, m.capacity) if m.available else 0 for m in instance.mentors], dtype=np.int64
    )


def exact_total(instance: Instance, edges: Edges) -> int:
    """The best possible total, by a dense assignment solver independent of the engine's."""
    n = len(instance.mentees)
    capacity = capacities(instance)
    first = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int64)
    places = int(capacity.sum())
    profit = np.full((n, places + n), UNACCEPTABLE)
    for slot in range(int(capacity.max(initial=0))):
        has_slot = capacity[edges.mentor] > slot
        profit[edges.mentee[has_slot], first[edges.mentor[has_slot]] + slot] = edges.score[has_slot]
    profit[np.arange(n), places + np.arange(n)] = 0.0
    rows, cols = linear_sum_assignment(profit, maximize=True)
    won = profit[rows, cols]
    if (won <= UNACCEPTABLE / 2).any():
        raise AssertionError("exact solver used an unacceptable pair")
    return round(float(won[cols < places].sum()))


def violations(instance: Instance, edges: Edges, result: MentoringResult) -> int:
    """Pairs that are not acceptable, not at their score, over capacity or double-booked."""
    n_mentors = len(instance.mentors)
    mentee_at = {m.user_id: i for i, m in enumerate(instance.mentees)}
    mentor_at = {m.user_id: j for j, m in enumerate(instance.mentors)}
    keys = edges.mentee * n_mentors + edges.mentor
    order = np.argsort(keys)
    keys, scores = keys[order], edges.score[order]
    bad = 0
    used = np.zeros(n_mentors, dtype=np.int64)
    seen: set[str] = set()
    for pair in result.pairs:
        i, j = mentee_at[pair.mentee_id], mentor_at[pair.mentor_id]
        key = i * n_mentors + j
        at = int(np.searchsorted(keys, key))
        if at >= len(keys) or keys[at] != key or scores[at] != pair.score:
            bad += 1
        if pair.mentee_id in seen:
            bad += 1
        seen.add(pair.mentee_id)
        used[j] += 1
    bad += int(np.maximum(used - capacities(instance), 0).sum())
    return bad


def random_total(instance: Instance, edges: Edges, seed: int) -> int:
    """A random feasible assignment: mentees in random order, each takes a random open mentor."""
    rng = np.random.default_rng(seed)
    # Sorted by (mentee, mentor): the engine's edge order depends on string hashing.
    order = np.lexsort((edges.mentor, edges.mentee))
    mentee, mentor, score = edges.mentee[order], edges.mentor[order], edges.score[order]
    bounds = np.searchsorted(mentee, np.arange(len(instance.mentees) + 1))
    spare = capacities(instance)
    total = 0
    for i in rng.permutation(len(instance.mentees)):
        lo, hi = bounds[i], bounds[i + 1]
        if lo == hi:
            continue
        open_ = np.flatnonzero(spare[mentor[lo:hi]] > 0)
        if not len(open_):
            continue
        pick = lo + int(open_[rng.integers(len(open_))])
        spare[mentor[pick]] -= 1
        total += int(score[pick])
    return total


@dataclass(frozen=True)
class MentoringRow:
    label: str
    mentees: int
    mentors: int
    places: int
    edges: int
    seconds: float
    runs: int
    total: int
    pairs: int
    unmatched: int
    random_total: int
    exact_total: int | None
    violations: int

    @property
    def gap(self) -> int | None:
        return None if self.exact_total is None else self.total - self.exact_total


def bench_mentoring(
    instance: Instance, weights: Weights, *, runs: int, exact: bool, seed: int
) -> tuple[MentoringRow, Edges]:
    edges = edges_of(instance, weights)
    times: list[float] = []
    result: MentoringResult | None = None
    for _ in range(runs):
        seconds, result = timed(
            lambda: match_mentoring(
                instance.mentors,
                instance.mentees,
                weights,
                blocked=instance.blocked,
                past=instance.past,
            )
        )
        times.append(seconds)
    assert result is not None
    row = MentoringRow(
        label=instance.label,
        mentees=len(instance.mentees),
        mentors=len(instance.mentors),
        places=int(capacities(instance).sum()),
        edges=len(edges),
        seconds=statistics.median(times),
        runs=runs,
        total=result.total,
        pairs=len(result.pairs),
        unmatched=len(result.unmatched),
        random_total=random_total(instance, edges, seed),
        exact_total=exact_total(instance, edges) if exact else None,
        violations=violations(instance, edges, result),
    )
    return row, edges


@dataclass(frozen=True)
class CoffeeRow:
    peers: int
    size: int
    rounds: int
    mean_seconds: float
    max_seconds: float
    repeats: int  # counted here from last_met
    reported: int  # the engine's own CoffeeResult.repeats
    misplaced: int  # people left out or placed twice


def bench_coffee(
    peers: Sequence[Peer],
    *,
    size: int,
    rounds: Sequence[int],
    last_met: dict[frozenset[str], int],
) -> CoffeeRow:
    everyone = sorted(p.user_id for p in peers)
    times: list[float] = []
    repeats = reported = misplaced = 0
    for number in rounds:
        seconds, result = timed(
            lambda number=number: group_peers(
                peers,
                size=size,
                last_met=last_met,
                round_number=number,
                cooldown=COOLDOWN,
                seed=number,
            )
        )
        times.append(seconds)
        reported += len(result.repeats)
        placed = sorted(m for g in result.groups for m in g.members) + [
            u for u, _ in result.left_out
        ]
        misplaced += 0 if sorted(placed) == everyone else 1
        met_now = [
            frozenset(pair)
            for group in result.groups
            for pair in itertools.combinations(group.members, 2)
        ]
        for pair in met_now:
            last = last_met.get(pair)
            if last is not None and number - last <= COOLDOWN:
                repeats += 1
        for pair in met_now:
            last_met[pair] = number
    return CoffeeRow(
        peers=len(peers),
        size=size,
        rounds=len(rounds),
        mean_seconds=statistics.fmean(times),
        max_seconds=max(times),
        repeats=repeats,
        reported=reported,
        misplaced=misplaced,
    )


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 50k rows")
    args = parser.parse_args()
    weights = Weights()
    started = time.perf_counter()

    # --- mentoring -----------------------------------------------------------------------
    sizes = [(1_000, 400, 3, True), (10_000, 4_000, 3, False)]
    if not args.quick:
        sizes.append((50_000, 20_000, 1, False))
    rows: list[MentoringRow] = []
    scoring_10k: float | None = None
    for n_mentees, n_mentors, runs, exact in sizes:
        instance = make_instance(n_mentees, n_mentors, seed=n_mentees)
        row, _ = bench_mentoring(instance, weights, runs=runs, exact=exact, seed=1)
        rows.append(row)
        if n_mentees == 10_000:
            scoring_10k = statistics.median(
                timed(lambda instance=instance: edges_of(instance, weights))[0] for _ in range(3)
            )
        del instance
        gc.collect()

    small: list[MentoringRow] = []
    for seed in range(5):
        instance = make_instance(200, 80, seed=100 + seed)
        row, _ = bench_mentoring(instance, weights, runs=1, exact=True, seed=seed)
        small.append(row)

    print("Mentoring (mentees:mentors = 10:4, capacity 1-3, default weights)")
    header = (
        f"{'size':>6} {'mentees':>8} {'mentors':>8} {'places':>7} {'edges':>10} "
        f"{'edges/mentee':>12} {'seconds':>8} {'total':>9} {'pairs':>7} {'unmatched':>9} "
        f"{'exact':>9} {'gap':>4} {'random':>9} {'engine/random':>13} {'bad':>4}"
    )
    print(header)
    for row in rows + small:
        exact_text = "-" if row.exact_total is None else str(row.exact_total)
        gap_text = "-" if row.gap is None else str(row.gap)
        label = row.label if row in rows else f"{row.label}*"
        print(
            f"{label:>6} {row.mentees:>8} {row.mentors:>8} {row.places:>7} {row.edges:>10} "
            f"{row.edges / row.mentees:>12.1f} {row.seconds:>8.3f} {row.total:>9} "
            f"{row.pairs:>7} {row.unmatched:>9} {exact_text:>9} {gap_text:>4} "
            f"{row.random_total:>9} {_ratio(row.total, row.random_total) or '-':>13} "
            f"{row.violations:>4}"
        )
    print(
        "  seconds: match_mentoring, median of 3 runs at 1k and 10k, one run at 50k; "
        "* = 200/80 instances, seeds 100-104;\n"
        "  exact: dense linear_sum_assignment; bad: pairs breaking acceptability, score, "
        "capacity or uniqueness"
    )
    by_label = {row.label: row for row in rows}
    solve_10k = by_label["10k"].seconds
    assert scoring_10k is not None
    print(
        f"  timing context at 10k: mentoring_scores alone {scoring_10k:.3f} s (median of 3); "
        f"match_mentoring / scoring = {solve_10k / scoring_10k:.2f}"
    )

    # --- coffee --------------------------------------------------------------------------
    pools = [1_000, 10_000] + ([] if args.quick else [50_000])
    coffee: dict[int, CoffeeRow] = {}
    # Trios run once on top of a pool's pair history: 10k normally, 1k for a quick smoke run.
    trio_pool = 1_000 if args.quick else 10_000
    trio_history: dict[frozenset[str], int] = {}
    trio_peers: list[Peer] = []
    for n in pools:
        peers = make_peers(n, seed=n + 7)
        last_met: dict[frozenset[str], int] = {}
        coffee[n] = bench_coffee(
            peers, size=2, rounds=range(1, COFFEE_ROUNDS + 1), last_met=last_met
        )
        if n == trio_pool:
            trio_history, trio_peers = last_met, peers
    trio = bench_coffee(trio_peers, size=3, rounds=[COFFEE_ROUNDS + 1], last_met=trio_history)

    print()
    print(f"Coffee (cooldown {COOLDOWN}, new seed each round, last_met fed back each round)")
    print(
        f"{'peers':>6} {'size':>4} {'rounds':>6} {'mean s':>8} {'max s':>8} {'repeats':>7} "
        f"{'engine says':>11} {'misplaced':>9}"
    )
    for row in [*coffee.values(), trio]:
        print(
            f"{row.peers:>6} {row.size:>4} {row.rounds:>6} {row.mean_seconds:>8.3f} "
            f"{row.max_seconds:>8.3f} {row.repeats:>7} {row.reported:>11} {row.misplaced:>9}"
        )
    print(
        "  repeats: pairs grouped again within the cooldown, counted from last_met (all "
        "avoidable at these sizes);\n"
        f"  the trio row is one round on top of that pool's {COFFEE_ROUNDS}-round pair history"
    )
    print(f"\ntotal wall time {time.perf_counter() - started:.1f} s")

    gaps = [abs(row.gap) for row in rows + small if row.gap is not None]
    summary = {
        "mentoring_10k_seconds": round(solve_10k, 3),
        "coffee_50k_seconds": round(coffee[50_000].max_seconds, 3) if 50_000 in coffee else None,
        "mentoring_optimality_gap": max(gaps),
        "avoidable_repeats_12_rounds": sum(row.repeats for row in coffee.values()),
        "mentoring_1k_seconds": round(by_label["1k"].seconds, 3),
        "mentoring_50k_seconds": round(by_label["50k"].seconds, 3) if "50k" in by_label else None,
        "scoring_10k_seconds": round(scoring_10k, 3),
        "solve_over_scoring_10k": round(solve_10k / scoring_10k, 2),
        "edges_1k": by_label["1k"].edges,
        "edges_10k": by_label["10k"].edges,
        "edges_50k": by_label["50k"].edges if "50k" in by_label else None,
        "engine_over_random_10k": _ratio(by_label["10k"].total, by_label["10k"].random_total),
        "exact_instances_compared": len(gaps),
        "mentoring_violations": sum(row.violations for row in rows + small),
        "coffee_1k_seconds": round(coffee[1_000].max_seconds, 3),
        "coffee_10k_seconds": round(coffee[10_000].max_seconds, 3),
        "coffee_trio_peers": trio.peers,
        "coffee_trio_seconds": round(trio.max_seconds, 3),
        "coffee_trio_repeats": trio.repeats,
        "quick": args.quick,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
