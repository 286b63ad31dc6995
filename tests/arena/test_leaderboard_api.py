"""GET /api/v1/arena/leaderboard (envelope, filters) and its CSV/JSON export; the leaderboard page."""

import csv
import io

import pytest

from arena.services import vote_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def votes(alice, bob, played):
    """alice votes the model in slot A better three times (three prompts), bob once for B on coding."""
    winners = []
    for prompt in ("Tell me a joke", "Name a river", "Describe rain"):
        battle, pending = played(alice, prompt)
        vote_cast(battle=battle, user=alice, choice="a")
        winners.append(pending.slots["A"])
    battle, pending = played(bob, "Write a python function", category="coding")
    vote_cast(battle=battle, user=bob, choice="b")
    return {"alice": winners, "bob": pending.slots["B"], "bob_loser": pending.slots["A"]}


def test_the_leaderboard_comes_in_the_envelope(alice_api, votes):
    response = alice_api.get("/api/v1/arena/leaderboard")
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] and response["X-RateLimit-Endpoint"]
    body = response.json()
    assert body["success"] is True and "timestamp" in body
    data = body["data"]
    assert data["votes"] == 4 and data["scope"] == "platform" and data["category"] == "all"
    first = data["models"][0]
    assert set(first) >= {"rank", "model", "rating", "ci_lower", "ci_upper", "votes", "win_rate", "median_cost",
                          "median_duration_ms", "flagged_votes"}  # fmt: skip
    assert first["ci_lower"] < first["rating"] < first["ci_upper"]
    assert first["median_cost"] == "0.00010000" and first["median_duration_ms"] == 120
    assert len(data["matrix"]["rows"]) == len(data["models"])


def test_the_category_filter_counts_that_category_only(alice_api, votes):
    data = alice_api.get("/api/v1/arena/leaderboard?category=coding").json()["data"]
    assert data["votes"] == 1
    assert [m["model"] for m in data["models"]] == [votes["bob"], votes["bob_loser"]]


def test_mine_counts_the_callers_votes_only(alice_api, votes):
    data = alice_api.get("/api/v1/arena/leaderboard?mine=true").json()["data"]
    assert data["scope"] == "mine" and data["votes"] == 3


def test_a_bad_filter_is_a_validation_error(alice_api, votes):
    response = alice_api.get("/api/v1/arena/leaderboard?category=poetry")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "category" in response.json()["error"]["details"]


def test_the_leaderboard_needs_a_caller(api, votes):
    response = api.get("/api/v1/arena/leaderboard")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_a_key_without_ai_read_is_refused(api, alice, key_for_scopes):
    api.credentials(HTTP_X_API_KEY=key_for_scopes(alice, ["usage:read"]))
    response = api.get("/api/v1/arena/leaderboard")
    assert response.status_code == 403
    api.credentials(HTTP_X_API_KEY=key_for_scopes(alice, ["ai:read"]))
    assert api.get("/api/v1/arena/leaderboard").status_code == 200


def test_csv_export_has_a_row_per_model(alice_api, votes):
    response = alice_api.get("/api/v1/arena/leaderboard/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    json_models = alice_api.get("/api/v1/arena/leaderboard").json()["data"]["models"]
    assert [r["model"] for r in rows] == [m["model"] for m in json_models]
    assert float(rows[0]["rating"]) == json_models[0]["rating"]


def test_json_export_is_the_board_itself(alice_api, votes):
    response = alice_api.get("/api/v1/arena/leaderboard/export.json?category=coding")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response.json()["votes"] == 1
    assert alice_api.get("/api/v1/arena/leaderboard/export.xml").status_code == 404


def test_the_page_shows_ratings_intervals_and_the_matrix(client, alice, votes):
    client.force_login(alice)
    html = client.get("/arena/leaderboard/").content.decode()
    assert votes["alice"][0] in html and 'id="win-matrix"' in html
    assert "4 votes counted" in html
    assert "Promote" not in html  # only for those who may change the catalog


def test_battles_with_very_different_answer_lengths_can_be_left_out(alice_api, alice, played):
    battle, _ = played(alice, "Long or short?")
    vote_cast(battle=battle, user=alice, choice="a")
    flagged, _ = played(alice, "Another one")
    flagged.length_ratio = 10.0
    flagged.save()
    vote_cast(battle=flagged, user=alice, choice="a")
    data = alice_api.get("/api/v1/arena/leaderboard").json()["data"]
    assert data["votes"] == 2 and sum(m["flagged_votes"] for m in data["models"]) == 2
    data = alice_api.get("/api/v1/arena/leaderboard?exclude_flagged=true").json()["data"]
    assert data["votes"] == 1 and data["exclude_flagged"] is True


def test_the_tasks_boards_match_a_board_computed_on_its_own(alice, votes):
    from arena.selectors import leaderboard_compute, leaderboards_by_category

    boards = leaderboards_by_category()
    for category in ("all", "coding", "general"):
        alone = leaderboard_compute(category=category)
        assert boards[category]["models"] == alone["models"] and boards[category]["votes"] == alone["votes"]
    assert leaderboards_by_category(user_id=alice.pk)["all"]["votes"] == 3
