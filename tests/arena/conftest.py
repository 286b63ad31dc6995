"""Arena fixtures: a pool of models, and battles played to the point of the vote."""

from decimal import Decimal

import pytest

from arena.models import AnswerStatus, Battle, PoolEntry
from arena.services import PendingTurn, answer_record, battle_start
from tests.factories import AIModelFactory, GenerationFactory, ProviderFactory

SLUGS = ("demo/swift", "demo/deliberate", "demo/echo")


@pytest.fixture
def pool(db):
    provider = ProviderFactory(slug="pool", enabled=True)
    models = [
        AIModelFactory(provider=provider, upstream_id=name, display_name=name.title())
        for name in ("alpha", "beta", "gamma", "delta")
    ]
    for m in models:
        PoolEntry.objects.create(model=m)
    return models


def finish(pending: PendingTurn, *, contents: dict[str, str] | None = None, cost: str = "0.0001") -> None:
    """Every contestant of the turn answers (a ledger row each), as the event stream records them."""
    battle = Battle.objects.get(pk=pending.battle_id)
    for label in pending.answers:
        slug = pending.slots[label]
        model = battle.contestants.get(model_slug=slug).model
        content = (contents or {}).get(slug, f"An answer from {slug}.")
        g = GenerationFactory(user=battle.user, model=model, content=content, cost=Decimal(cost))
        answer_record(answer_id=pending.answers[label], status=AnswerStatus.SUCCESS, generation_id=g.pk)


@pytest.fixture
def played(pool):
    """A battle of two, answered and waiting for its vote."""

    def play(user, prompt: str = "Say something", *, count: int = 2, **kwargs) -> tuple[Battle, PendingTurn]:
        contents = kwargs.pop("contents", None)
        battle, pending = battle_start(user=user, prompt=prompt, count=count, **kwargs)
        finish(pending, contents=contents)
        battle.refresh_from_db()
        return battle, pending

    return play


@pytest.fixture
def key_for_scopes(db):
    from accounts.api_keys import api_key_create

    def make(user, scopes):
        return api_key_create(user=user, name="test", scopes=list(scopes), expires_in_days=1)[1]

    return make


@pytest.fixture
def demo_pool(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    models = []
    for upstream, price in (("swift", "0.10"), ("deliberate", "1"), ("echo", "0.5")):
        m = AIModelFactory(
            provider=demo, upstream_id=upstream, slug=f"demo/{upstream}", display_name=f"Demo {upstream.title()}",
            input_price_per_1m=Decimal(price), output_price_per_1m=Decimal(price),
        )  # fmt: skip
        PoolEntry.objects.create(model=m)
        models.append(m)
    return models
