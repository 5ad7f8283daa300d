"""The mentoring engine: exact, within the rules, and able to say why someone is left out."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from bot.pairing.matching import (
    NO_HOURS,
    NO_SKILL,
    TAKEN,
    Candidate,
    Weights,
    goal_words,
    match_mentoring,
    mentoring_scores,
    shared_hours,
)

TAGS = ["python", "sql", "design", "leadership", "writing", "go", "sales"]
OFFSETS = [-8.0, -5.0, 0.0, 1.0, 5.5, 9.0, 10.0]


def exact_total(mentors: list[Candidate], mentees: list[Candidate], **rules: object) -> int:
    """The optimum by brute force of a dense assignment: one column per mentor place."""
    mentee_idx, mentor_idx, score, _ = mentoring_scores(
        mentors,
        mentees,
        Weights(),
        frozenset(rules.get("blocked", ())),  # type: ignore[arg-type]
        frozenset(rules.get("past", ())),  # type: ignore[arg-type]
    )
    places = [j for j, m in enumerate(mentors) if m.available for _ in range(max(0, m.capacity))]
    profit = np.full((len(mentees), len(places) + len(mentees)), -(10**6), dtype=float)
    profit[:, len(places) :] = -(10**6)
    for i in range(len(mentees)):
        profit[i, len(places) + i] = 0.0
    for i, j, s in zip(mentee_idx, mentor_idx, score, strict=True):
        for col, owner in enumerate(places):
            if owner == j:
                profit[i, col] = s
    rows, cols = linear_sum_assignment(profit, maximize=True)
    return int(profit[rows, cols].sum())


tag_sets = st.frozensets(st.sampled_from(TAGS), max_size=3)
# Mentors and mentees come from different people here, so the optimum is the assignment's
# own; people in both roles are covered by the mirrored-pair test below.
mentor = st.builds(
    Candidate,
    user_id=st.sampled_from([f"U{n}" for n in range(6)]),
    offers=st.frozensets(st.sampled_from(TAGS), min_size=1, max_size=3),
    wants=tag_sets,
    interests=tag_sets,
    utc_offset=st.sampled_from(OFFSETS),
    capacity=st.integers(0, 3),
    available=st.booleans(),
)
mentee = st.builds(
    Candidate,
    user_id=st.sampled_from([f"U{n}" for n in range(6, 12)]),
    wants=tag_sets,
    interests=tag_sets,
    utc_offset=st.sampled_from(OFFSETS),
    available=st.booleans(),
)
pairs_of_people = st.frozensets(
    st.frozensets(st.sampled_from([f"U{n}" for n in range(12)]), min_size=2, max_size=2),
    max_size=6,
)


def unique(people: list[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for person in people:
        seen.setdefault(person.user_id, person)
    return list(seen.values())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(mentor, max_size=6),
    st.lists(mentee, max_size=9),
    pairs_of_people,
    pairs_of_people,
)
def test_the_assignment_is_optimal_and_keeps_every_rule(
    mentors: list[Candidate],
    mentees: list[Candidate],
    blocked: frozenset[frozenset[str]],
    past: frozenset[frozenset[str]],
) -> None:
    mentors, mentees = unique(mentors), unique(mentees)
    result = match_mentoring(mentors, mentees, blocked=blocked, past=past)

    assert result.total == exact_total(mentors, mentees, blocked=blocked, past=past)
    by_id = {m.user_id: m for m in mentors}
    load: dict[str, int] = {}
    for pair in result.pairs:
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
        assert pair.mentor_id != pair.mentee_id
        assert frozenset((pair.mentor_id, pair.mentee_id)) not in blocked
        assert by_id[pair.mentor_id].available
        assert next(m for m in mentees if m.user_id == pair.mentee_id).available
        assert pair.score > 0
    for mentor_id, taken in load.items():
        assert taken <= by_id[mentor_id].capacity
    matched = {p.mentee_id for p in result.pairs}
    assert len(matched) == len(result.pairs)  # a mentee has one mentor at most
    # nobody available is skipped silently: everyone is paired or told why not
    told = {u.user_id for u in result.unmatched}
    for person in mentees:
        if person.available:
            assert (person.user_id in matched) != (person.user_id in told)


def test_working_hours_must_overlap_by_two_hours() -> None:
    mentor = Candidate("M", offers=frozenset({"go"}), utc_offset=-8, capacity=1)
    far = Candidate("E1", wants=frozenset({"go"}), utc_offset=5.5)
    near = Candidate("E2", wants=frozenset({"go"}), utc_offset=-5)
    result = match_mentoring([mentor], [far, near])
    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [("M", "E2")]
    [left_out] = result.unmatched
    assert left_out.user_id == "E1"
    assert left_out.reason == NO_HOURS


def test_the_overlap_rule_can_be_switched_off() -> None:
    mentor = Candidate("M", offers=frozenset({"go"}), utc_offset=-8, capacity=1)
    far = Candidate("E1", wants=frozenset({"go"}), utc_offset=5.5)
    result = match_mentoring([mentor], [far], Weights(require_shared_hours=False))
    assert len(result.pairs) == 1


def test_someone_who_wants_what_nobody_offers_is_told_why() -> None:
    mentor = Candidate("M", offers=frozenset({"go"}), capacity=2)
    mentee = Candidate("E", wants=frozenset({"pottery"}))
    result = match_mentoring([mentor], [mentee])
    assert result.unmatched[0].reason == NO_SKILL
    assert result.spare == {"M": 2}


def test_capacity_goes_to_the_better_fit_and_the_other_is_told() -> None:
    mentor = Candidate("M", offers=frozenset({"go", "sql"}), capacity=1)
    strong = Candidate("E1", wants=frozenset({"go", "sql"}))
    weak = Candidate("E2", wants=frozenset({"go", "design"}))
    result = match_mentoring([mentor], [strong, weak])
    assert [p.mentee_id for p in result.pairs] == ["E1"]
    assert result.unmatched[0].reason == TAKEN


def test_a_past_pairing_is_penalised() -> None:
    mentors = [
        Candidate("M1", offers=frozenset({"go"}), capacity=1),
        Candidate("M2", offers=frozenset({"go"}), capacity=1),
    ]
    mentee = Candidate("E", wants=frozenset({"go"}))
    result = match_mentoring(mentors, [mentee], past=[frozenset({"E", "M1"})])
    assert result.pairs[0].mentor_id == "M2"


def test_someone_in_both_roles_is_never_their_own_mentor() -> None:
    both = Candidate("U1", offers=frozenset({"go"}), wants=frozenset({"go"}), capacity=1)
    result = match_mentoring([both], [both])
    assert result.pairs == []


def test_two_people_in_both_roles_never_mentor_each_other_at_once() -> None:
    a = Candidate("UA", offers=frozenset({"go"}), wants=frozenset({"sql"}), capacity=1)
    b = Candidate("UB", offers=frozenset({"sql"}), wants=frozenset({"go"}), capacity=1)
    result = match_mentoring([a, b], [a, b])
    assert len(result.pairs) == 1
    assert [u.reason for u in result.unmatched] == [TAKEN]


def test_reasons_name_what_the_mentor_offers() -> None:
    mentor = Candidate(
        "M", offers=frozenset({"go", "sql"}), interests=frozenset({"chess"}), capacity=1
    )
    mentee = Candidate("E", wants=frozenset({"go"}), interests=frozenset({"chess"}), utc_offset=1)
    [pair] = match_mentoring([mentor], [mentee]).pairs
    assert pair.reasons == (
        "offers go, which the mentee wants to learn",
        "shared interests: chess",
        "8 working hours in common",
    )


def test_shared_hours_wrap_around_the_date_line() -> None:
    assert shared_hours(10, -10) == 5  # Sydney morning, Honolulu afternoon
    assert shared_hours(0, 0) == 9
    assert shared_hours(-8, 9) == 2  # Los Angeles evening, Tokyo morning
    assert shared_hours(-8, 5.5) == 0


def test_goal_words_keep_what_says_something() -> None:
    assert goal_words("I want to learn Kubernetes and become a better public speaker") == {
        "kubernetes",
        "public",
        "speaker",
    }
