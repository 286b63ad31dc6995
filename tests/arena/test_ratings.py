"""The rating computation against examples worked by hand (the arithmetic is in each docstring)."""

import math

import pytest

from arena.ratings import Comparison, VoteRecord, bradley_terry, comparisons_of, counted_comparisons

ELO = 400 / math.log(10)  # 173.7178 points per unit of log-strength


def test_two_models_three_wins_to_one():
    """A beat B 3 times, B beat A once; with the virtual tie A has 3.5 of 5 games, B 1.5.
    Two-model Bradley-Terry: p_A / p_B = 3.5 / 1.5 = 7/3, so A - B = 173.7178 * ln(7/3) = 147.19 points,
    centred on 1000: A 1073.60, B 926.40. Fisher information 5 * 0.7 * 0.3 = 1.05 on the difference;
    each centred rating has variance 1 / (4 * 1.05) = 0.2381, sd 0.4880 = 84.77 points, 95% ±166.14."""
    board = bradley_terry([Comparison("A", "B", 1.0)] * 3 + [Comparison("A", "B", 0.0)])
    a, b = board.ratings
    assert (a.model, b.model) == ("A", "B")
    assert a.rating == pytest.approx(1073.60, abs=0.01)
    assert b.rating == pytest.approx(926.40, abs=0.01)
    assert a.upper - a.rating == pytest.approx(166.14, abs=0.01)
    assert a.rating - a.lower == pytest.approx(166.14, abs=0.01)
    assert (a.games, a.wins, b.games, b.wins) == (4, 3.0, 4, 1.0)


def test_a_cycle_rates_everyone_equal_with_known_intervals():
    """A>B, B>C, C>A once each: by symmetry all strengths are equal (1000). Each pair has 2 games at
    odds 1/2, weight 2 * 0.25 = 0.5; L = 0.5 (3I - J) has eigenvalue 1.5 off the constant vector, so the
    variance is (2/3) / 1.5 = 0.4444, sd 0.6667 = 115.81 points, 95% ±226.99."""
    board = bradley_terry([Comparison("A", "B", 1.0), Comparison("B", "C", 1.0), Comparison("C", "A", 1.0)])
    assert [r.rating for r in board.ratings] == pytest.approx([1000.0] * 3)
    assert [r.upper - r.rating for r in board.ratings] == pytest.approx([226.99] * 3, abs=0.01)


def test_a_chain_orders_the_models_and_its_strengths_solve_the_score_equations():
    votes = [Comparison("good", "fair", 1.0)] * 4 + [Comparison("fair", "poor", 1.0)] * 4
    votes += [Comparison("good", "poor", 1.0), Comparison("good", "fair", 0.5)]
    board = bradley_terry(votes)
    assert [r.model for r in board.ratings] == ["good", "fair", "poor"]
    # The maximum-likelihood strengths give each model as many expected wins as it has (virtual ties in).
    p = {r.model: 10 ** ((r.rating - 1000) / 400) for r in board.ratings}
    games = {("fair", "good"): 6, ("fair", "poor"): 5, ("good", "poor"): 2}
    wins = {"good": 4 + 1 + 0.5 + 1.0, "fair": 0.5 + 4 + 1.0, "poor": 1.0}
    for model, won in wins.items():
        expected = sum(n * p[model] / (p[model] + p[other]) for pair, n in games.items() if model in pair
                       for other in pair if other != model)  # fmt: skip
        assert expected == pytest.approx(won, rel=1e-6)


def test_a_model_that_won_everything_still_has_a_finite_rating_and_interval():
    board = bradley_terry([Comparison("A", "B", 1.0)] * 10)
    assert all(math.isfinite(v) for r in board.ratings for v in (r.rating, r.lower, r.upper))
    assert board.ratings[0].model == "A"


def test_models_not_joined_by_any_vote_are_left_unrated():
    board = bradley_terry([Comparison("A", "B", 1.0)] * 2 + [Comparison("C", "D", 1.0), Comparison("D", "E", 1.0)])
    rated = {r.model for r in board.ratings if r.rating is not None}
    assert rated == {"C", "D", "E"}  # the larger group; A and B cannot be placed against it
    assert [r.model for r in board.ratings[-2:]] == ["A", "B"]


def test_ties_and_both_bad_are_half_a_win_and_a_ranking_is_every_pair_in_order():
    assert comparisons_of(VoteRecord(1, "p", ["x", "y"], "tie")) == [Comparison("x", "y", 0.5)]
    assert comparisons_of(VoteRecord(1, "p", ["x", "y"], "both_bad")) == [Comparison("x", "y", 0.5)]
    assert comparisons_of(VoteRecord(1, "p", ["x", "y"], "b")) == [Comparison("x", "y", 0.0)]
    assert comparisons_of(VoteRecord(1, "p", ["x", "y", "z"], "ranking", [2, 0, 1])) == [
        Comparison("z", "x", 1.0),
        Comparison("z", "y", 1.0),
        Comparison("x", "y", 1.0),
    ]


def test_one_users_repeats_of_a_prompt_count_once_per_pair():
    repeats = [VoteRecord(1, "same", ["x", "y"], "a")] * 5
    others = [VoteRecord(2, "same", ["x", "y"], "b"), VoteRecord(1, "new", ["x", "y"], "b")]
    counted = counted_comparisons([*repeats, *others])
    assert counted == [Comparison("x", "y", 1.0), Comparison("x", "y", 0.0), Comparison("x", "y", 0.0)]
    board = bradley_terry(counted)
    assert board.ratings[0].model == "y"  # five repeats of one prompt did not outvote two users


def test_win_rates_count_real_votes_only():
    board = bradley_terry([Comparison("A", "B", 1.0), Comparison("A", "B", 0.5)])
    assert board.win_rates["A"]["B"] == (1.5, 2)
    assert board.win_rates["B"]["A"] == (0.5, 2)
