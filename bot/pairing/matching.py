"""The matching engine: pure functions, no I/O, deterministic for a given seed.

Mentoring is a maximum-weight b-matching (each mentor takes up to their remaining capacity,
each mentee at most one mentor). It is solved exactly: every mentor is expanded into one
column per free place, every mentee gets a private "stay unmatched" column worth nothing, and
scipy's LAPJVsp finds the minimum-cost full matching of that sparse graph. Only acceptable
pairs become edges, which keeps the graph sparse enough for tens of thousands of people.

Coffee chats regroup everyone each round while avoiding people who met within the cooldown; see
:func:`group_peers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

WORKDAY_HOURS = 9.0  # 09:00-18:00 local

_WORD = re.compile(r"[a-z][a-z+#.-]{3,}")
_STOPWORDS = frozenset(
    "about after also been being better from have into just like more most much need that "
    "their them then they this want with would could should what when where which while will "
    "year years month months week weeks make made work working learn learning grow growing "
    "become some other than very".split()
)


def goal_words(text: str) -> frozenset[str]:
    """The words in someone's goals that say something ("lead", "speaking", "kubernetes")."""
    return frozenset(w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS)


def shared_hours(offset_a: float, offset_b: float) -> float:
    """Hours that two 09:00-18:00 working days overlap, given UTC offsets in hours.

    The clock wraps: Sydney's morning overlaps Honolulu's afternoon of the previous day.
    """
    gap = abs(offset_a - offset_b) % 24
    gap = min(gap, 24 - gap)
    return max(0.0, WORKDAY_HOURS - gap)


@dataclass(frozen=True)
class Weights:
    """How a mentoring pair is scored, in whole points; programs may override each one."""

    skills: int = 60
    interests: int = 20
    hours: int = 20
    repeat_penalty: int = 50
    min_shared_hours: float = 2.0
    require_shared_hours: bool = True


@dataclass(frozen=True)
class Candidate:
    """Someone taking part in a round, as the engine sees them."""

    user_id: str
    offers: frozenset[str] = frozenset()
    wants: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    utc_offset: float = 0.0
    capacity: int = 0
    available: bool = True


@dataclass(frozen=True)
class Pair:
    mentor_id: str
    mentee_id: str
    score: int
    reasons: tuple[str, ...]


#: Why a mentee was left out; messages phrase each for the person and for the owners.
UNAVAILABLE = "unavailable"
NO_SKILL = "no_skill"
NO_HOURS = "no_hours"
EXCLUDED = "excluded"
TAKEN = "taken"


@dataclass(frozen=True)
class Unmatched:
    user_id: str
    reason: str


@dataclass(frozen=True)
class MentoringResult:
    pairs: list[Pair]
    unmatched: list[Unmatched]
    spare: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(p.score for p in self.pairs)


def _pair_key(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


class _Vocabulary:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def matrix(self, rows: Sequence[frozenset[str]]) -> csr_matrix:
        indptr = [0]
        indices: list[int] = []
        for tags in rows:
            for tag in tags:
                indices.append(self.ids.setdefault(tag, len(self.ids)))
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float64)
        return csr_matrix((data, indices, indptr), shape=(len(rows), max(1, len(self.ids))))


class _PeopleIndex:
    """Integer ids for everyone in a round, so pair rules are vectorised lookups."""

    def __init__(self, mentees: Sequence[Candidate], mentors: Sequence[Candidate]) -> None:
        self.ids: dict[str, int] = {}
        self.mentee = np.array([self._id(m.user_id) for m in mentees], dtype=np.int64)
        self.mentor = np.array([self._id(m.user_id) for m in mentors], dtype=np.int64)

    def _id(self, user_id: str) -> int:
        return self.ids.setdefault(user_id, len(self.ids))

    def _keys(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        keys: np.ndarray = np.minimum(a, b) * (len(self.ids) + 1) + np.maximum(a, b)
        return keys

    def pairs_in(
        self, mentee_idx: np.ndarray, mentor_idx: np.ndarray, pairs: frozenset[frozenset[str]]
    ) -> np.ndarray:
        """Which (mentee, mentor) edges are among ``pairs`` (a set of two-person sets)."""
        wanted = [
            (self.ids[a], self.ids[b])
            for a, b in (tuple(pair) for pair in pairs if len(pair) == 2)
            if a in self.ids and b in self.ids
        ]
        if not wanted or not len(mentee_idx):
            return np.zeros(len(mentee_idx), dtype=bool)
        left = np.array([w[0] for w in wanted], dtype=np.int64)
        right = np.array([w[1] for w in wanted], dtype=np.int64)
        edges = self._keys(self.mentee[mentee_idx], self.mentor[mentor_idx])
        return np.isin(edges, self._keys(left, right))


def _widen(matrix: csr_matrix, columns: int) -> csr_matrix:
    return csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], columns)
    )


def mentoring_scores(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights,
    blocked: frozenset[frozenset[str]] = frozenset(),
    past: frozenset[frozenset[str]] = frozenset(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]:
    """Every acceptable (mentee, mentor) pair with its score, and why the others were not.

    Returns mentee indices, mentor indices and integer scores of acceptable pairs, plus, for each
    mentee with no acceptable pair, the reason.
    """
    vocabulary = _Vocabulary()
    wants = vocabulary.matrix([m.wants for m in mentees])
    offers = vocabulary.matrix([m.offers for m in mentors])
    size = len(vocabulary.ids) or 1
    wants, offers = _widen(wants, size), _widen(offers, size)
    n_wants = np.asarray(wants.sum(axis=1)).ravel()

    # Mentees who named nothing to learn may meet any mentor; the others need one who offers
    # at least one thing they want.
    open_minded = np.flatnonzero(n_wants == 0)
    overlap = (wants @ offers.T).tocoo()
    rows = [overlap.row.astype(np.int64)]
    cols = [overlap.col.astype(np.int64)]
    counts = [overlap.data]
    if len(open_minded) and len(mentors):
        rows.append(np.repeat(open_minded, len(mentors)))
        cols.append(np.tile(np.arange(len(mentors)), len(open_minded)))
        counts.append(np.zeros(len(open_minded) * len(mentors)))
    mentee_idx = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    mentor_idx = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    skill_count = np.concatenate(counts) if counts else np.zeros(0)

    reasons: dict[int, str] = {}
    has_skill = np.zeros(len(mentees), dtype=bool)
    has_skill[mentee_idx] = True

    mentee_offset = np.array([m.utc_offset for m in mentees], dtype=np.float64)
    mentor_offset = np.array([m.utc_offset for m in mentors], dtype=np.float64)
    gap = np.abs(mentee_offset[mentee_idx] - mentor_offset[mentor_idx]) % 24
    hours = np.maximum(0.0, WORKDAY_HOURS - np.minimum(gap, 24 - gap))
    keep = np.ones(len(mentee_idx), dtype=bool)
    if weights.require_shared_hours:
        keep &= hours >= weights.min_shared_hours
    has_hours = np.zeros(len(mentees), dtype=bool)
    has_hours[mentee_idx[keep]] = True

    mentor_ok = np.array([m.available and m.capacity > 0 for m in mentors], dtype=bool)
    mentee_ok = np.array([m.available for m in mentees], dtype=bool)
    if len(mentor_idx):
        keep &= mentor_ok[mentor_idx] & mentee_ok[mentee_idx]
    people = _PeopleIndex(mentees, mentors)
    keep &= people.mentee[mentee_idx] != people.mentor[mentor_idx]
    keep &= ~people.pairs_in(mentee_idx, mentor_idx, blocked)

    mentee_idx, mentor_idx = mentee_idx[keep], mentor_idx[keep]
    skill_count, hours = skill_count[keep], hours[keep]

    interests_me = vocabulary.matrix([m.interests | m.wants | m.offers for m in mentees])
    interests_mo = vocabulary.matrix([m.interests | m.wants | m.offers for m in mentors])
    size = len(vocabulary.ids) or 1
    interests_me, interests_mo = _widen(interests_me, size), _widen(interests_mo, size)
    if len(mentee_idx):
        common = np.asarray(
            interests_me[mentee_idx].multiply(interests_mo[mentor_idx]).sum(axis=1)
        ).ravel()
    else:
        common = np.zeros(0)
    size_me = np.asarray(interests_me.sum(axis=1)).ravel()[mentee_idx]
    size_mo = np.asarray(interests_mo.sum(axis=1)).ravel()[mentor_idx]
    union = np.maximum(size_me + size_mo - common, 1)

    wanted = np.maximum(n_wants[mentee_idx], 1)
    score = (
        np.floor(weights.skills * skill_count / wanted + 1e-9)
        + np.floor(weights.interests * common / union + 1e-9)
        + np.floor(weights.hours * hours / WORKDAY_HOURS + 1e-9)
    ).astype(np.int64)
    score -= weights.repeat_penalty * people.pairs_in(mentee_idx, mentor_idx, past)
    positive = score > 0
    has_any = np.zeros(len(mentees), dtype=bool)
    has_any[mentee_idx[positive]] = True

    for i, mentee in enumerate(mentees):
        if has_any[i]:
            continue
        if not mentee.available:
            reasons[i] = UNAVAILABLE
        elif not has_skill[i]:
            reasons[i] = NO_SKILL
        elif not has_hours[i]:
            reasons[i] = NO_HOURS
        else:
            reasons[i] = EXCLUDED
    return mentee_idx[positive], mentor_idx[positive], score[positive], reasons


def match_mentoring(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights | None = None,
    *,
    blocked: Iterable[frozenset[str]] = (),
    past: Iterable[frozenset[str]] = (),
) -> MentoringResult:
    """Assign mentees to mentors so the total score is as high as it can be."""
    weights = weights or Weights()
    blocked_set, past_set = frozenset(blocked), frozenset(past)
    available_mentees = [i for i, m in enumerate(mentees) if m.available]
    mentee_idx, mentor_idx, score, reasons = mentoring_scores(
        mentors, mentees, weights, blocked_set, past_set
    )
    capacity = np.array([max(0, m.capacity) if m.available else 0 for m in mentors], np.int64)
    assigned = _solve(len(mentees), capacity, mentee_idx, mentor_idx, score)

    assigned = _without_mirrored_pairs(assigned, mentors, mentees)
    pairs: list[Pair] = []
    used = np.zeros(len(mentors), dtype=np.int64)
    for i, j, points in assigned:
        used[j] += 1
        mentor, mentee = mentors[j], mentees[i]
        pairs.append(Pair(mentor.user_id, mentee.user_id, points, why_mentoring(mentor, mentee)))
    matched = {i for i, _, _ in assigned}
    unmatched = [
        Unmatched(
            mentees[i].user_id,
            reasons.get(i, TAKEN),
        )
        for i in available_mentees
        if i not in matched
    ]
    spare = {
        mentors[j].user_id: int(capacity[j] - used[j])
        for j in range(len(mentors))
        if capacity[j] - used[j] > 0
    }
    pairs.sort(key=lambda p: (p.mentor_id, p.mentee_id))
    return MentoringResult(pairs, unmatched, spare)


def _without_mirrored_pairs(
    assigned: list[tuple[int, int, int]],
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
) -> list[tuple[int, int, int]]:
    """Two people who both mentor and learn may not mentor each other in the same round.

    The assignment can't express that rule, and it binds only when two "both" people fit each
    other both ways and each direction wins; then the weaker direction is dropped.
    """
    by_pair = {(mentors[j].user_id, mentees[i].user_id): (i, j, p) for i, j, p in assigned}
    dropped = {
        by_pair[(a, b)]
        for (a, b) in by_pair
        if (b, a) in by_pair and (by_pair[(a, b)][2], a) < (by_pair[(b, a)][2], b)
    }
    return [edge for edge in assigned if edge not in dropped]


def _solve(
    n_mentees: int,
    capacity: np.ndarray,
    mentee_idx: np.ndarray,
    mentor_idx: np.ndarray,
    score: np.ndarray,
) -> list[tuple[int, int, int]]:
    """Exact maximum-score assignment; returns (mentee, mentor, score) triples."""
    if n_mentees == 0 or len(score) == 0:
        return []
    # One column per free place: mentor j owns columns first[j] .. first[j] + capacity[j] - 1.
    first = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int64)
    places = int(capacity.sum())
    per_edge = capacity[mentor_idx]
    rows = np.repeat(mentee_idx, per_edge)
    offsets = np.arange(int(per_edge.sum())) - np.repeat(np.cumsum(per_edge) - per_edge, per_edge)
    cols = np.repeat(first[mentor_idx], per_edge) + offsets
    # LAPJVsp minimises and ignores zero entries: cost = ceiling - score keeps every edge
    # positive, and the private "unmatched" column costs the ceiling, i.e. scores nothing.
    ceiling = float(max(1, int(score.max())) + 1)
    costs = ceiling - np.repeat(score, per_edge).astype(np.float64)
    all_rows = np.concatenate([rows, np.arange(n_mentees)])
    all_cols = np.concatenate([cols, places + np.arange(n_mentees)])
    all_costs = np.concatenate([costs, np.full(n_mentees, ceiling)])
    graph = csr_matrix((all_costs, (all_rows, all_cols)), shape=(n_mentees, places + n_mentees))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    owner = np.repeat(np.arange(len(capacity)), capacity)
    real = col_ind < places
    rows_won, cols_won = row_ind[real], col_ind[real]
    points = ceiling - np.asarray(graph[rows_won, cols_won]).ravel()
    return [
        (int(r), int(owner[c]), round(float(p)))
        for r, c, p in zip(rows_won, cols_won, points, strict=True)
    ]


def why_mentoring(mentor: Candidate, mentee: Candidate) -> tuple[str, ...]:
    """A short, human "why you were matched" for a mentoring pair."""
    reasons = []
    skills = sorted(mentee.wants & mentor.offers)
    if skills:
        reasons.append(f"offers {_list(skills)}, which the mentee wants to learn")
    # The same sets the score compares, so every point of "interests" has a reason to show.
    shared = sorted(
        (mentee.interests | mentee.wants | mentee.offers)
        & (mentor.interests | mentor.wants | mentor.offers)
    )
    shared = [s for s in shared if s not in skills]
    if shared:
        reasons.append(f"shared interests: {_list(shared)}")
    hours = shared_hours(mentor.utc_offset, mentee.utc_offset)
    reasons.append(f"{hours:g} working hours in common")
    return tuple(reasons)


def _list(items: Sequence[str], limit: int = 4) -> str:
    shown = list(items[:limit])
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


__all__ = [
    "Candidate",
    "MentoringResult",
    "Pair",
    "Unmatched",
    "Weights",
    "goal_words",
    "match_mentoring",
    "mentoring_scores",
    "shared_hours",
    "why_mentoring",
]
