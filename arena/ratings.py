"""Bradley-Terry ratings from pairwise votes, with Wald confidence intervals. Pure: no Django, no I/O.

A vote becomes pairwise comparisons (A beat B; a tie, or "both bad", is half a win each; a ranking of
three or four is every pair in its order). Each pair that has met gets one more, virtual, tie: a model
that has won every game then still has a finite rating, and the effect fades as real votes add up.
Strengths are found by Hunter's MM iteration (2004) on the largest group of models joined by votes;
models outside it cannot be compared with the rest and get no rating. The intervals come from the
observed Fisher information: its pseudo-inverse is the covariance of the log-strengths when they are
centred on zero. Ratings are shown on the Elo scale (400 points = ten-to-one odds), centred on 1000.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

BASE = 1000.0
SCALE = 400.0 / math.log(10.0)  # log-strength -> Elo points
Z95 = 1.959963984540054
VIRTUAL_TIE = 1.0  # games added to every pair that has met, split evenly
MAX_ITERATIONS = 10_000
TOLERANCE = 1e-12


@dataclass(frozen=True)
class Comparison:
    """One pairwise result: `score` is what `a` earned against `b` (1 win, 0.5 tie, 0 loss)."""

    a: str
    b: str
    score: float


@dataclass(frozen=True)
class VoteRecord:
    """A counted vote as the ratings see it: the models by position, and who preferred what."""

    user: int
    prompt: str  # the battle's first-prompt fingerprint
    models: Sequence[str]  # by position: models[0] is A
    choice: str  # "a", "b", "tie", "both_bad" or "ranking"
    ranking: Sequence[int] = ()  # positions, best first (three or four models)


@dataclass(frozen=True)
class Rating:
    model: str
    rating: float | None  # None: not joined to the rest by any vote
    lower: float | None
    upper: float | None
    games: int  # real comparisons, virtual ties not counted
    wins: float  # ties count half


@dataclass
class Leaderboard:
    ratings: list[Rating]
    # win_rates[a][b] = (a's wins against b, ties half; games between them)
    win_rates: dict[str, dict[str, tuple[float, int]]] = field(default_factory=dict)


def comparisons_of(vote: VoteRecord) -> list[Comparison]:
    """A vote's pairwise results."""
    a, b = vote.models[0], vote.models[1]
    if vote.choice == "a":
        return [Comparison(a, b, 1.0)]
    if vote.choice == "b":
        return [Comparison(a, b, 0.0)]
    if vote.choice in ("tie", "both_bad"):
        return [Comparison(a, b, 0.5)]
    order = [vote.models[p] for p in vote.ranking]
    return [Comparison(order[i], order[j], 1.0) for i in range(len(order)) for j in range(i + 1, len(order))]


def counted_comparisons(votes: Iterable[VoteRecord]) -> list[Comparison]:
    """Pairwise results, with one user's repeats of one prompt counted once per pair of models: the
    first vote on it counts (votes arrive oldest first), so voting the same prompt again and again
    cannot push a model up."""
    seen: set[tuple[int, str, frozenset[str]]] = set()
    counted = []
    for vote in votes:
        for c in comparisons_of(vote):
            key = (vote.user, vote.prompt, frozenset((c.a, c.b)))
            if key not in seen:
                seen.add(key)
                counted.append(c)
    return counted


def _largest_group(pairs: Iterable[tuple[str, str]], models: set[str]) -> set[str]:
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    best: set[str] = set()
    left = set(models)
    while left:
        start = min(left)
        group, todo = {start}, [start]
        while todo:
            for n in neighbours[todo.pop()] - group:
                group.add(n)
                todo.append(n)
        left -= group
        if len(group) > len(best) or (len(group) == len(best) and min(group) < min(best)):
            best = group
    return best


def _strengths(names: list[str], games: dict[tuple[str, str], float], wins: dict[str, float]) -> dict[str, float]:
    """Hunter's MM iteration; the geometric mean of the strengths is kept at 1."""
    p = dict.fromkeys(names, 1.0)
    opponents: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (a, b), n in games.items():
        opponents[a].append((b, n))
        opponents[b].append((a, n))
    for _ in range(MAX_ITERATIONS):
        new = {i: wins[i] / sum(n / (p[i] + p[j]) for j, n in opponents[i]) for i in names}
        centre = math.exp(sum(math.log(v) for v in new.values()) / len(new))
        new = {i: v / centre for i, v in new.items()}
        change = max(abs(math.log(new[i] / p[i])) for i in names)
        p = new
        if change < TOLERANCE:
            break
    return p


def _inverse(matrix: list[list[float]]) -> list[list[float]]:
    """Gauss-Jordan with partial pivoting (the matrices are as small as the number of models)."""
    size = len(matrix)
    work = [row[:] + [1.0 if i == j else 0.0 for j in range(size)] for i, row in enumerate(matrix)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(work[r][col]))
        work[col], work[pivot] = work[pivot], work[col]
        lead = work[col][col]
        work[col] = [v / lead for v in work[col]]
        for r in range(size):
            if r != col and work[r][col]:
                factor = work[r][col]
                work[r] = [v - factor * w for v, w in zip(work[r], work[col], strict=True)]
    return [row[size:] for row in work]


def _variances(names: list[str], games: dict[tuple[str, str], float], p: dict[str, float]) -> dict[str, float]:
    """Variances of the centred log-strengths: the diagonal of the Fisher information's pseudo-inverse,
    found as (L + J/k)^-1 - J/k, which holds for the Laplacian-shaped L of a joined group."""
    k = len(names)
    index = {name: i for i, name in enumerate(names)}
    info = [[1.0 / k] * k for _ in range(k)]
    for (a, b), n in games.items():
        q = p[a] / (p[a] + p[b])
        w = n * q * (1.0 - q)
        i, j = index[a], index[b]
        info[i][i] += w
        info[j][j] += w
        info[i][j] -= w
        info[j][i] -= w
    inverse = _inverse(info)
    return {name: inverse[index[name]][index[name]] - 1.0 / k for name in names}


def win_rates(comparisons: Iterable[Comparison]) -> dict[str, dict[str, tuple[float, int]]]:
    """Each model's record against each other model it met (real votes only)."""
    table: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    for c in comparisons:
        table[c.a][c.b][0] += c.score
        table[c.a][c.b][1] += 1
        table[c.b][c.a][0] += 1.0 - c.score
        table[c.b][c.a][1] += 1
    return {a: {b: (won, int(n)) for b, (won, n) in row.items()} for a, row in table.items()}


def bradley_terry(comparisons: Sequence[Comparison]) -> Leaderboard:
    """Ratings with 95% intervals, best first; models that cannot be compared come last, unrated."""
    models = {c.a for c in comparisons} | {c.b for c in comparisons}
    real_games: dict[str, int] = defaultdict(int)
    real_wins: dict[str, float] = defaultdict(float)
    games: dict[tuple[str, str], float] = defaultdict(float)
    wins: dict[str, float] = defaultdict(float)
    for c in comparisons:
        if c.a == c.b:
            continue
        pair = (c.a, c.b) if c.a < c.b else (c.b, c.a)
        games[pair] += 1.0
        wins[c.a] += c.score
        wins[c.b] += 1.0 - c.score
        real_games[c.a] += 1
        real_games[c.b] += 1
        real_wins[c.a] += c.score
        real_wins[c.b] += 1.0 - c.score
    for pair in games:
        games[pair] += VIRTUAL_TIE
        for name in pair:
            wins[name] += VIRTUAL_TIE / 2
    group = _largest_group(games, models) if len(models) > 1 else set()
    names = sorted(group)
    rated: dict[str, Rating] = {}
    if len(names) > 1:
        in_group = {pair: n for pair, n in games.items() if pair[0] in group}
        p = _strengths(names, in_group, wins)
        variances = _variances(names, in_group, p)
        for name in names:
            centre = BASE + SCALE * math.log(p[name])
            half = Z95 * SCALE * math.sqrt(max(variances[name], 0.0))
            rated[name] = Rating(name, centre, centre - half, centre + half, real_games[name], real_wins[name])
    unrated = [Rating(m, None, None, None, real_games[m], real_wins[m]) for m in sorted(models - group)]
    ordered = sorted(rated.values(), key=lambda r: (-(r.rating or 0.0), r.model))
    return Leaderboard(ratings=[*ordered, *unrated], win_rates=win_rates(comparisons))
