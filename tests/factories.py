import factory
from factory.django import DjangoModelFactory

from accounts.models import User

PASSWORD = "Correct-horse1"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


# --- webhooks ----------------------------------------------------------------------------------------
from django.utils import timezone  # noqa: E402  (this file is append-only; each app adds its part)

from webhooks.signing import generate_secret  # noqa: E402


class WebhookEndpointFactory(DjangoModelFactory):
    class Meta:
        model = "webhooks.WebhookEndpoint"

    user = factory.SubFactory(UserFactory)
    url = "https://hooks.example.com/switchboard"
    events = factory.LazyFunction(lambda: ["ai.task.completed", "ai.task.failed", "quota.warning"])
    secret = factory.LazyFunction(generate_secret)


class WebhookMessageFactory(DjangoModelFactory):
    class Meta:
        model = "webhooks.Message"

    user = factory.SubFactory(UserFactory)
    event = "ai.task.completed"
    payload = factory.LazyFunction(lambda: {"task_id": "task-1", "status": "completed"})


class DeliveryFactory(DjangoModelFactory):
    class Meta:
        model = "webhooks.Delivery"

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    message = factory.SubFactory(WebhookMessageFactory, user=factory.SelfAttribute("..endpoint.user"))
    next_attempt_at = factory.LazyFunction(timezone.now)


# --- catalog -----------------------------------------------------------------------------------------
from decimal import Decimal  # noqa: E402  (this file is append-only; each app adds its part)


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = "catalog.Provider"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"provider{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    adapter_kind = "openai_compatible"


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = "catalog.Category"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class AIModelFactory(DjangoModelFactory):
    class Meta:
        model = "catalog.AIModel"

    provider = factory.SubFactory(ProviderFactory)
    upstream_id = factory.Sequence(lambda n: f"model-{n}")
    slug = factory.LazyAttribute(lambda o: f"{o.provider.slug}/{o.upstream_id}")
    display_name = factory.LazyAttribute(lambda o: o.upstream_id.replace("-", " ").title())
    description = "A model for tests."
    input_price_per_1m = Decimal("1.00")
    output_price_per_1m = Decimal("2.00")
    context_window = 8192
    capabilities = factory.LazyFunction(lambda: ["chat"])


class FavoriteFactory(DjangoModelFactory):
    class Meta:
        model = "catalog.Favorite"

    user = factory.SubFactory(UserFactory)
    model = factory.SubFactory(AIModelFactory)


# --- the ledger (usage) and moderation (playground) ------------------------------------------------


class GenerationFactory(DjangoModelFactory):
    class Meta:
        model = "usage.Generation"

    user = factory.SubFactory(UserFactory)
    model = factory.SubFactory(AIModelFactory)
    provider = factory.LazyAttribute(lambda o: o.model.provider)
    model_slug = factory.LazyAttribute(lambda o: o.model.slug)
    requested_model = factory.LazyAttribute(lambda o: o.model.slug)
    input_messages = factory.LazyFunction(lambda: [{"role": "user", "content": "Hello"}])
    content = "Hi there."
    prompt_tokens = 5
    completion_tokens = 3
    total_tokens = 8
    cost = Decimal("0.00001100")
    duration_ms = 120


class ModerationRuleFactory(DjangoModelFactory):
    class Meta:
        model = "playground.ModerationRule"

    name = factory.Sequence(lambda n: f"rule {n}")
    kind = "keyword"
    pattern = "forbidden"


class FlagFactory(DjangoModelFactory):
    class Meta:
        model = "playground.Flag"

    generation = factory.SubFactory(GenerationFactory)
    reason = "Looks wrong"
    source = "manual"
