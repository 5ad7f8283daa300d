"""Coffee-chat grouping: everyone in small groups, nobody meeting again too soon.

Two people who met within the cooldown (default 10 rounds) are kept apart whenever the pool
allows it. For small pools the best grouping is found exactly; for large ones a randomised
greedy pass is repaired by swaps. When every person left has met every other recently (the pool
is small, or the cooldown long), the engine pairs the least recent acquaintances and says so.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

#: Pools up to this size are grouped exactly (a bitmask search); larger ones by greedy + repair.
EXACT_UP_TO = 12
#: Costs more than any number of repeats, so a grouping seats such a pair only when forced.
BLOCKED_COST = 10**6
#: How far the greedy passes look ahead for someone who fits, and how many groups a swap tries.
SCAN = 64
MAX_GROUP_SIZE = 4
#: Fresh greedy orders tried when swaps leave an avoidable repeat.
RESTARTS = 16


@dataclass(frozen=True)
class Peer:
    user_id: str
    offers: frozenset[str] = frozenset()
    wants: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()


#: Why someone sat a coffee round out: the pool had nobody else, or nobody else for them.
ALONE = "alone"
NO_PARTNER = "no_partner"


@dataclass(frozen=True)
class CoffeeGroup:
    members: tuple[str, ...]
    reasons: tuple[str, ...]
    #: Pairs in this group who met within the cooldown.
    repeats: tuple[frozenset[str], ...] = ()
    #: Topics in common, in whole points, so previews can show how good a fit a group is.
    score: int = 0


@dataclass(frozen=True)
class CoffeeResult:
    groups: list[CoffeeGroup]
    #: (user_id, ALONE or NO_PARTNER) for everyone not in a group.
    left_out: list[tuple[str, str]]
    note: str | None = None

    @property
    def repeats(self) -> list[frozenset[str]]:
        return [pair for group in self.groups for pair in group.repeats]


class _Rules:
    """Who may meet whom this round, and how bad a repeat would be."""

    def __init__(
        self,
        last_met: Mapping[frozenset[str], int],
        round_number: int,
        cooldown: int,
        blocked: frozenset[frozenset[str]],
    ) -> None:
        self.last_met = last_met
        self.round_number = round_number
        self.cooldown = cooldown
        self.blocked = blocked

    def cost(self, a: str, b: str) -> int:
        """0 for a fresh pair; higher the more recently they met; prohibitive for do-not-pair."""
        pair = frozenset((a, b))
        if pair in self.blocked:
            return BLOCKED_COST
        last = self.last_met.get(pair)
        if last is None:
            return 0
        ago = self.round_number - last
        return 0 if ago > self.cooldown else self.cooldown + 1 - ago

    def allowed(self, a: str, b: str) -> bool:
        """Free to meet: never met within the cooldown and no do-not-pair between them."""
        return self.cost(a, b) == 0

    def group_cost(self, members: Sequence[str]) -> int:
        return sum(self.cost(a, b) for i, a in enumerate(members) for b in members[i + 1 :])


def group_peers(
    peers: Sequence[Peer],
    *,
    size: int = 2,
    last_met: Mapping[frozenset[str], int] | None = None,
    round_number: int = 0,
    cooldown: int = 10,
    blocked: frozenset[frozenset[str]] = frozenset(),
    seed: int = 0,
) -> CoffeeResult:
    """Split ``peers`` into groups of ``size`` (2 to 4); an odd pool of pairs gets one trio."""
    if not 2 <= size <= MAX_GROUP_SIZE:
        raise ValueError(f"group size must be 2 to {MAX_GROUP_SIZE}")
    by_id = {peer.user_id: peer for peer in peers}
    people = list(by_id)
    random.Random(seed).shuffle(people)
    if len(people) < 2:
        return CoffeeResult([], [(p, ALONE) for p in people], None)
    rules = _Rules(last_met or {}, round_number, cooldown, blocked)
    if size == 2:
        groups = _pairs(people, rules, random.Random(seed + 1))
    else:
        groups = _larger_groups(people, size, rules, random.Random(seed + 1))
    groups, left_out = _part_blocked(groups, rules.blocked)
    result = [
        CoffeeGroup(
            tuple(members),
            why_coffee([by_id[m] for m in members]),
            tuple(pair for pair in _pairs_of(members) if not rules.allowed(*pair)),
            fit([by_id[m] for m in members]),
        )
        for members in groups
    ]
    repeats = sum(len(g.repeats) for g in result)
    note = None
    if repeats:
        note = (
            f"{repeats} pair(s) meet again within {cooldown} rounds: the people left had all "
            "met each other recently, so the least recent acquaintances were paired."
        )
    return CoffeeResult(result, [(user_id, NO_PARTNER) for user_id in left_out], note)


def _part_blocked(
    groups: list[list[str]], blocked: frozenset[frozenset[str]]
) -> tuple[list[list[str]], list[str]]:
    """Never seat people who asked not to meet together, even when the pool is too small.

    Grouping already avoids such pairs whenever it can; what is left here had no other way, so
    the person in the most such pairs sits this round out (and anyone left alone with them).
    Nobody is told why: a do-not-pair wish stays private.
    """
    kept: list[list[str]] = []
    left_out: list[str] = []
    for group in groups:
        members = list(group)
        while True:
            clashes = {
                m: sum(frozenset((m, o)) in blocked for o in members if o != m) for m in members
            }
            worst = max(members, key=lambda m: (clashes[m], members.index(m)))
            if clashes[worst] == 0:
                break
            members.remove(worst)
            left_out.append(worst)
        if len(members) >= 2:
            kept.append(members)
        else:
            left_out.extend(members)
    return kept, left_out


def _pairs_of(members: Sequence[str]) -> list[frozenset[str]]:
    return [frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :]]


def _pairs(people: list[str], rules: _Rules, rng: random.Random) -> list[list[str]]:
    """Greedy pairs repaired by swaps; if a repeat is left, a few fresh orders are tried.

    Swapping one person at a time can get stuck where only a three-way exchange would free a
    pair; another order of the greedy pass usually finds a grouping without the repeat, and
    it is cheap beside the round, so up to RESTARTS orders are tried and the best kept.
    """
    if len(people) <= EXACT_UP_TO:
        return _exact_pairs(tuple(people), rules)
    best: tuple[int, list[list[str]]] | None = None
    order = list(people)
    for _ in range(RESTARTS + 1):
        pairs, single = _greedy_pairs(order, rules)
        if single is not None:
            _add_third(pairs, single, rules)
        _repair(pairs, rules, rng)
        cost = sum(rules.group_cost(group) for group in pairs)
        if best is None or cost < best[0]:
            best = (cost, pairs)
        if cost == 0:
            break
        rng.shuffle(order)
    assert best is not None
    return best[1]


def _exact_pairs(people: tuple[str, ...], rules: _Rules) -> list[list[str]]:
    """The cheapest grouping of a small pool, trio included when the pool is odd."""
    if len(people) % 2 == 0:
        return [list(p) for p in _best_matching(people, rules)[1]]
    best: tuple[int, list[list[str]]] | None = None
    for i, third in enumerate(people):
        cost, pairs = _best_matching(people[:i] + people[i + 1 :], rules)
        groups = [list(p) for p in pairs]
        extra, at = min(
            (rules.cost(third, g[0]) + rules.cost(third, g[1]), k) for k, g in enumerate(groups)
        )
        if best is None or cost + extra < best[0]:
            groups[at] = [*groups[at], third]
            best = (cost + extra, groups)
    assert best is not None
    return best[1]


def _best_matching(people: tuple[str, ...], rules: _Rules) -> tuple[int, list[tuple[str, str]]]:
    """Minimum-cost perfect matching of an even pool by search over subsets."""

    @cache
    def solve(mask: int) -> tuple[int, tuple[tuple[int, int], ...]]:
        if mask == 0:
            return 0, ()
        first = (mask & -mask).bit_length() - 1
        rest = mask & ~(1 << first)
        best: tuple[int, tuple[tuple[int, int], ...]] | None = None
        partner = rest
        while partner:
            low = partner & -partner
            j = low.bit_length() - 1
            partner &= partner - 1
            cost, chosen = solve(rest & ~low)
            cost += rules.cost(people[first], people[j])
            if best is None or cost < best[0]:
                best = (cost, ((first, j), *chosen))
        assert best is not None
        return best

    cost, chosen = solve((1 << len(people)) - 1)
    return cost, [(people[a], people[b]) for a, b in chosen]


def _greedy_pairs(people: list[str], rules: _Rules) -> tuple[list[list[str]], str | None]:
    """Pair in order, skipping recent acquaintances, then repair what is left by swaps.

    With a large pool and a bounded cooldown every person may meet almost everyone; then a
    maximal matching that leaves two people u, v apart always has a pair (a, b) with u~a and
    v~b, so swapping finds a repeat-free grouping whenever one exists in practice.
    """
    waiting: list[str] = []
    pairs: list[list[str]] = []
    for person in people:
        for k, other in enumerate(waiting):
            if rules.allowed(person, other):
                pairs.append([other, person])
                del waiting[k]
                break
        else:
            waiting.append(person)
    while len(waiting) >= 2:
        u = waiting.pop()
        partner = next((v for v in waiting if rules.allowed(u, v)), None)
        if partner is not None:
            waiting.remove(partner)
            pairs.append([u, partner])
            continue
        v = waiting.pop()
        if not _swap_in(pairs, u, v, rules):
            pairs.append([u, v])  # unavoidable here: the cheapest is as good as any
    return pairs, (waiting[0] if waiting else None)


def _swap_in(pairs: list[list[str]], u: str, v: str, rules: _Rules) -> bool:
    """Turn pair (a, b) into (u, a) and (v, b) if that keeps everyone apart from acquaintances."""
    for k, (a, b) in enumerate(pairs):
        if len(pairs[k]) != 2:
            continue
        for x, y in ((a, b), (b, a)):
            if rules.allowed(u, x) and rules.allowed(v, y):
                pairs[k] = [u, x]
                pairs.append([v, y])
                return True
    return False


def _add_third(groups: list[list[str]], person: str, rules: _Rules) -> None:
    """The odd one out joins the pair they fit best (a trio)."""
    at = min(range(len(groups)), key=lambda k: rules.group_cost([*groups[k], person]))
    groups[at].append(person)


def _larger_groups(
    people: list[str], size: int, rules: _Rules, rng: random.Random
) -> list[list[str]]:
    """Groups of ``size`` (some one smaller so nobody is left alone), conflicts swapped away.

    Groups are filled one after another from a queue, each taking the first waiting person who
    knows nobody in it recently; only the few people left over look further. Linear in the pool
    for the usual case where most people haven't met.
    """
    count = -(-len(people) // size)  # ceiling: no group larger than asked for
    capacities = [
        len(people) // count + (1 if i < len(people) % count else 0) for i in range(count)
    ]
    waiting = list(people)
    groups: list[list[str]] = []
    for capacity in capacities:
        group: list[str] = []
        while len(group) < capacity:
            fit = next(
                (
                    i
                    for i, person in enumerate(waiting[:SCAN])
                    if all(rules.allowed(person, member) for member in group)
                ),
                0,
            )
            group.append(waiting.pop(fit))
        groups.append(group)
    _repair(groups, rules, rng)
    return groups


def _repair(groups: list[list[str]], rules: _Rules, rng: random.Random) -> None:
    """Swap people between groups while that removes recent acquaintances.

    The odd one out in a pool of pairs may know someone in every pair; trading them with a
    member of another pair usually frees a seat, so the trio needs no repeat.
    """
    for k in [k for k in range(len(groups)) if rules.group_cost(groups[k]) > 0]:
        for _ in range(SCAN):
            if rules.group_cost(groups[k]) == 0 or not _improve_by_swap(groups, k, rules, rng):
                break


def _improve_by_swap(groups: list[list[str]], k: int, rules: _Rules, rng: random.Random) -> bool:
    """Swap one member of group ``k`` with someone in another group, if that lowers the cost."""
    others = [o for o in rng.sample(range(len(groups)), min(len(groups), SCAN)) if o != k]
    for i, member in enumerate(groups[k]):
        for other_k in others:
            before = rules.group_cost(groups[k]) + rules.group_cost(groups[other_k])
            for j, other in enumerate(groups[other_k]):
                a = [*groups[k][:i], other, *groups[k][i + 1 :]]
                b = [*groups[other_k][:j], member, *groups[other_k][j + 1 :]]
                if rules.group_cost(a) + rules.group_cost(b) < before:
                    groups[k], groups[other_k] = a, b
                    return True
    return False


def fit(members: Sequence[Peer]) -> int:
    """Ten points for each topic two members share or one can tell another about."""
    points = 0
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            points += len((a.interests | a.offers | a.wants) & (b.interests | b.offers | b.wants))
            points += len(a.offers & b.wants) + len(b.offers & a.wants)
    return 10 * points


def why_coffee(members: Sequence[Peer]) -> tuple[str, ...]:
    """What a group could talk about: shared interests, or what one offers that another wants."""
    reasons: list[str] = []
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            shared = sorted((a.interests | a.offers | a.wants) & (b.interests | b.offers | b.wants))
            if shared:
                reasons.append(f"<@{a.user_id}> and <@{b.user_id}> share {', '.join(shared[:3])}")
            for giver, taker in ((a, b), (b, a)):
                topics = sorted(giver.offers & taker.wants)
                if topics:
                    reasons.append(
                        f"<@{giver.user_id}> can tell <@{taker.user_id}> about "
                        f"{', '.join(topics[:3])}"
                    )
    return tuple(reasons[:4]) or ("a chance to meet someone new",)
