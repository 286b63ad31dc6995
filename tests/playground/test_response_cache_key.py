"""The response cache's key holds everything that is sent upstream."""

from playground.generation.response_cache import key_for

ASK = [{"role": "user", "content": "Hello"}]


def test_requests_that_differ_only_in_a_passed_through_field_do_not_share_an_answer():
    plain = key_for(user_id=1, model_slug="m/a", messages=ASK, params={"temperature": 0})
    top_k_5 = key_for(user_id=1, model_slug="m/a", messages=ASK, params={"temperature": 0}, extra={"top_k": 5})
    top_k_9 = key_for(user_id=1, model_slug="m/a", messages=ASK, params={"temperature": 0}, extra={"top_k": 9})
    assert len({plain, top_k_5, top_k_9}) == 3
    # Nothing passed through: the same entry as before such fields were keyed.
    assert key_for(user_id=1, model_slug="m/a", messages=ASK, params={"temperature": 0}, extra={}) == plain
