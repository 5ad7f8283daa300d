"""Coffee grouping: everyone placed, one trio for an odd pool, no avoidable repeats."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing.coffee import CoffeeResult, Peer, group_peers


def peers(n: int) -> list[Peer]:
    return [Peer(f"U{i:03d}") for i in range(n)]


def run_rounds(
    n: int, rounds: int, *, size: int = 2, cooldown: int = 10, seed: int = 0
) -> list[CoffeeResult]:
    last_met: dict[frozenset[str], int] = {}
    results = []
    for number in range(rounds):
        result = group_peers(
            peers(n),
            size=size,
            last_met=last_met,
            round_number=number,
            cooldown=cooldown,
            seed=seed + number,
        )
        for group in result.groups:
            for a, b in itertools.combinations(group.members, 2):
                last_met[frozenset((a, b))] = number
        results.append(result)
    return results


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 60), st.integers(2, 4), st.integers(0, 1000))
def test_everyone_is_placed_exactly_once(n: int, size: int, seed: int) -> None:
    result = group_peers(peers(n), size=size, seed=seed)
    placed = [m for g in result.groups for m in g.members]
    assert sorted(placed) == sorted(p.user_id for p in peers(n))
    sizes = sorted(len(g.members) for g in result.groups)
    if size == 2:
        assert sizes.count(3) == n % 2  # a trio only when the pool is odd
        assert set(sizes) <= {2, 3}
    else:
        assert all(2 <= s <= size for s in sizes) or n < size


@settings(max_examples=25, deadline=None)
@given(st.integers(22, 70), st.integers(0, 10_000))
def test_no_avoidable_repeat_over_many_rounds(n: int, seed: int) -> None:
    # With 22 or more people and a cooldown of 10, a repeat-free pairing always exists.
    for result in run_rounds(n, 15, seed=seed):
        assert result.repeats == [] and result.note is None


def test_a_small_pool_repeats_only_when_everyone_has_met_and_says_so() -> None:
    results = run_rounds(4, 5, cooldown=10)
    assert [len(r.repeats) for r in results[:3]] == [0, 0, 0]  # three rounds meet everyone
    assert results[3].repeats and results[3].note is not None
    assert "met each other recently" in results[3].note


def minimum_repeats(people: list[str], last_met: dict[frozenset[str], int], now: int) -> int:
    def matchings(rest: list[str]) -> list[list[tuple[str, str]]]:
        if not rest:
            return [[]]
        first, others = rest[0], rest[1:]
        found = []
        for k, partner in enumerate(others):
            for tail in matchings(others[:k] + others[k + 1 :]):
                found.append([(first, partner), *tail])
        return found

    def recent(a: str, b: str) -> bool:
        last = last_met.get(frozenset((a, b)))
        return last is not None and now - last <= 10

    return min(sum(recent(a, b) for a, b in m) for m in matchings(people))


@pytest.mark.parametrize("seed", range(5))
def test_small_pools_are_grouped_with_the_fewest_repeats(seed: int) -> None:
    people = [p.user_id for p in peers(8)]
    last_met = {
        frozenset(pair): 3 for pair in itertools.combinations(people[:5], 2)
    }  # five of them met recently
    result = group_peers(peers(8), last_met=last_met, round_number=4, seed=seed)
    assert len(result.repeats) == minimum_repeats(people, last_met, 4)


def test_people_who_asked_not_to_meet_are_never_grouped_even_when_forced() -> None:
    blocked = frozenset({frozenset(("U000", "U001"))})
    result = group_peers(peers(2), blocked=blocked)
    assert result.groups == []
    assert sorted(result.left_out) == [("U000", "no_partner"), ("U001", "no_partner")]
    assert result.note is None  # nobody is told about a do-not-pair wish


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 40), st.integers(2, 4), st.integers(0, 1000))
def test_blocked_pairs_never_share_a_group(n: int, size: int, seed: int) -> None:
    people = [p.user_id for p in peers(n)]
    blocked = frozenset(
        frozenset((people[i], people[(i * 7 + 3) % n])) for i in range(n) if i != (i * 7 + 3) % n
    )
    result = group_peers(peers(n), size=size, blocked=blocked, seed=seed)
    for group in result.groups:
        assert not any(
            frozenset(pair) in blocked for pair in itertools.combinations(group.members, 2)
        )
    placed = [m for g in result.groups for m in g.members] + [u for u, _ in result.left_out]
    assert sorted(placed) == sorted(people)


def test_do_not_pair_is_respected() -> None:
    blocked = frozenset({frozenset(("U000", "U001")), frozenset(("U002", "U003"))})
    for seed in range(20):
        result = group_peers(peers(4), blocked=blocked, seed=seed)
        for group in result.groups:
            assert frozenset(group.members) not in blocked


def test_one_person_is_told_there_is_nobody_to_meet() -> None:
    result = group_peers(peers(1))
    assert result.groups == [] and result.left_out == [("U000", "alone")]


def test_reasons_say_what_people_share() -> None:
    a = Peer("UA", offers=frozenset({"design"}), interests=frozenset({"hiking"}))
    b = Peer("UB", wants=frozenset({"design"}), interests=frozenset({"hiking"}))
    [group] = group_peers([a, b]).groups
    assert "<@UA> can tell <@UB> about design" in group.reasons
    assert any("share design, hiking" in reason for reason in group.reasons)


def test_the_same_seed_gives_the_same_groups() -> None:
    first = group_peers(peers(30), seed=7)
    again = group_peers(peers(30), seed=7)
    assert [g.members for g in first.groups] == [g.members for g in again.groups]
