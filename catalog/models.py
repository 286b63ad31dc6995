from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from catalog.fields import EncryptedTextField
from catalog.validators import validate_image_prices


class AdapterKind(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    OPENROUTER = "openrouter", "OpenRouter"
    HUGGINGFACE = "huggingface", "Hugging Face router"
    HUGGINGFACE_LEGACY = "huggingface_legacy", "Hugging Face text-generation task API"
    MINIMAX = "minimax", "MiniMax"
    OLLAMA = "ollama", "Ollama"
    OPENAI_COMPATIBLE = "openai_compatible", "OpenAI-compatible endpoint"
    DEMO = "demo", "Offline demo"


class Provider(models.Model):
    """An upstream service. Built-in ones take key and base URL from the environment unless set here."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    adapter_kind = models.CharField(max_length=32, choices=AdapterKind.choices)
    base_url = models.URLField(blank=True, help_text="Empty means the environment's default for this kind.")
    api_key = EncryptedTextField(blank=True, help_text="Write-only; empty means the environment's key.")
    enabled = models.BooleanField(default=True)
    is_custom = models.BooleanField(default=False, help_text="Added by an admin (vLLM, LM Studio, a gateway...).")
    notes = models.TextField(blank=True)
    default_model = models.ForeignKey(
        "AIModel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text='The chat model a request for the provider\'s own name (e.g. "minimax") gets.',
    )
    seeded_values = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        model = self.default_model
        if model is None:
            return
        if model.provider_id != self.pk:
            raise ValidationError({"default_model": f"{model.slug} belongs to another provider."})
        if model.kind != ModelKind.CHAT:
            raise ValidationError({"default_model": f"{model.slug} is not a chat model."})


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    icon = models.CharField(max_length=40, blank=True)
    color = models.CharField(max_length=7, blank=True, help_text="#rrggbb")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    seeded_values = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ModelKind(models.TextChoices):
    """What a model does, which decides the door that calls it and the unit it is priced in."""

    CHAT = "chat", "Chat"
    EMBEDDING = "embedding", "Embedding"
    IMAGE = "image", "Image generation"
    VIDEO = "video", "Video generation"


class Capability(models.TextChoices):
    """What a request may ask of a model. Each name maps to one `supports_<name>` field of AIModel."""

    TOOLS = "tools", "Tool calling"
    VISION = "vision", "Image input"
    JSON_MODE = "json_mode", "JSON mode"
    JSON_SCHEMA = "json_schema", "JSON schema"
    LOGPROBS = "logprobs", "Log probabilities"
    REASONING_EFFORT = "reasoning_effort", "Reasoning effort"
    N = "n", "Several choices (n > 1)"
    STOP = "stop", "Stop sequences"
    SEED = "seed", "Seed"
    PENALTIES = "penalties", "Frequency and presence penalties"
    SYSTEM_PROMPT = "system_prompt", "System prompt"
    STREAMING = "streaming", "Streaming"
    DIMENSIONS = "dimensions", "Embedding dimensions"


CAPABILITY_FIELDS: dict[str, str] = {c.value: f"supports_{c.value}" for c in Capability}
# The capabilities that may be unknown (null, refused until stated): the ones the catalog file's
# "supports" list and a CSV import's columns state model by model.
STATED_CAPABILITIES: tuple[Capability, ...] = (
    Capability.TOOLS,
    Capability.VISION,
    Capability.JSON_MODE,
    Capability.JSON_SCHEMA,
    Capability.LOGPROBS,
    Capability.REASONING_EFFORT,
    Capability.N,
    Capability.DIMENSIONS,
)


class PriceUnit(models.TextChoices):
    PER_1M_TOKENS = "1m_tokens", "per 1M tokens"
    PER_1M_INPUT_TOKENS = "1m_input_tokens", "per 1M input tokens"
    PER_IMAGE = "image", "per image"
    PER_1M_IMAGE_TOKENS = "1m_image_tokens", "per 1M image tokens"
    PER_SECOND = "second", "per second of video"
    PER_VIDEO = "video", "per video"


class ModelStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    BETA = "beta", "Beta"
    MAINTENANCE = "maintenance", "Maintenance"
    DEPRECATED = "deprecated", "Deprecated"


class AIModel(models.Model):
    slug = models.CharField(max_length=200, unique=True, help_text="<provider>/<upstream id>")
    display_name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    long_description = models.TextField(blank=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="models")
    upstream_id = models.CharField(max_length=200)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="models")
    tags = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=16, choices=ModelKind.choices, default=ModelKind.CHAT, db_index=True)

    # Prices are USD per unit named; null means "unpriced", never zero.
    input_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    output_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    cached_input_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_request = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_video = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_video_second = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    # Image models: a price per image by size and quality, or per 1M image output tokens, or both
    # (the per-image table then serves budget reservation, the tokens the settled cost).
    image_prices = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_image_prices],
        help_text='USD per image: {"1024x1024": {"standard": "0.04", "hd": "0.08"}}; "*" matches any size or quality.',
    )
    image_output_price_per_1m = models.DecimalField(
        max_digits=14, decimal_places=6, null=True, blank=True, help_text="USD per 1M image output tokens."
    )
    currency = models.CharField(max_length=3, default="USD")
    price_date = models.DateField(null=True, blank=True, help_text="When the published price was taken.")
    price_source = models.CharField(max_length=400, blank=True, help_text="Where the price comes from.")
    is_free = models.BooleanField(default=False)

    context_window = models.PositiveIntegerField(null=True, blank=True)
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    temperature_min = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0"))
    temperature_max = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("2"))
    temperature_default = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1"))
    top_p_min = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0"))
    top_p_max = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1"))
    top_p_default = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1"))
    max_tokens_default = models.PositiveIntegerField(default=1024)
    supports_stop = models.BooleanField(default=True)
    supports_penalties = models.BooleanField(default=False)
    supports_seed = models.BooleanField(default=False)
    supports_system_prompt = models.BooleanField(default=True)
    supports_streaming = models.BooleanField(default=True)
    # Unknown (null) counts as "not supported": a request that needs it is refused, never sent and dropped.
    supports_tools = models.BooleanField(null=True, blank=True)
    supports_vision = models.BooleanField(null=True, blank=True)
    supports_json_mode = models.BooleanField(null=True, blank=True)
    supports_json_schema = models.BooleanField(null=True, blank=True)
    supports_logprobs = models.BooleanField(null=True, blank=True)
    supports_reasoning_effort = models.BooleanField(null=True, blank=True)
    supports_n = models.BooleanField(null=True, blank=True, help_text="Several choices in one upstream call.")
    supports_dimensions = models.BooleanField(
        null=True, blank=True, help_text="Embeddings: a shorter vector on request."
    )
    embedding_dimensions = models.PositiveIntegerField(null=True, blank=True, help_text="Embeddings: vector length.")
    capabilities = models.JSONField(
        default=list, blank=True, help_text='Tags for discovery, e.g. ["code", "long-context"]'
    )

    status = models.CharField(max_length=16, choices=ModelStatus.choices, default=ModelStatus.ACTIVE, db_index=True)
    is_active = models.BooleanField(default=True, db_index=True)
    featured = models.BooleanField(default=False)

    version = models.CharField(max_length=50, blank=True)
    release_date = models.DateField(null=True, blank=True)
    developer = models.CharField(max_length=100, blank=True)
    license = models.CharField(max_length=100, blank=True)
    docs_url = models.URLField(blank=True)
    paper_url = models.URLField(blank=True)

    fallbacks = models.ManyToManyField("self", through="ModelFallback", symmetrical=False, related_name="+", blank=True)
    seeded_values = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = "AI model"
        indexes = [models.Index(fields=["provider", "is_active"])]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.status in (ModelStatus.ACTIVE, ModelStatus.BETA) and self.provider.enabled

    def ordered_fallbacks(self) -> list["AIModel"]:
        return [f.fallback for f in self.fallback_links.select_related("fallback__provider").order_by("position")]

    def supported_capabilities(self) -> frozenset[str]:
        return frozenset(name for name, field in CAPABILITY_FIELDS.items() if getattr(self, field))

    def lacks(self, required: Iterable[str]) -> set[str]:
        """The capabilities in `required` this model does not have (empty when it has them all)."""
        required = set(required)
        if unknown := required - CAPABILITY_FIELDS.keys():
            raise ValueError(f"Unknown capabilities: {', '.join(sorted(unknown))}")
        return {name for name in required if not getattr(self, CAPABILITY_FIELDS[name])}

    @property
    def price_unit(self) -> str:
        """The unit the headline price is quoted in, which depends on the kind."""
        if self.kind == ModelKind.EMBEDDING:
            return PriceUnit.PER_1M_INPUT_TOKENS
        if self.kind == ModelKind.IMAGE:
            tokens_only = not self.image_prices and self.image_output_price_per_1m is not None
            return PriceUnit.PER_1M_IMAGE_TOKENS if tokens_only else PriceUnit.PER_IMAGE
        if self.kind == ModelKind.VIDEO:
            per_clip = self.price_per_video_second is None and self.price_per_video is not None
            return PriceUnit.PER_VIDEO if per_clip else PriceUnit.PER_SECOND
        return PriceUnit.PER_1M_TOKENS

    @property
    def is_priced(self) -> bool:
        """Whether a call of this model's kind can be costed (False means "unpriced", never free)."""
        if self.kind == ModelKind.EMBEDDING:
            return self.input_price_per_1m is not None
        if self.kind == ModelKind.IMAGE:
            return bool(self.image_prices) or self.image_output_price_per_1m is not None
        if self.kind == ModelKind.VIDEO:
            return self.price_per_video_second is not None or self.price_per_video is not None
        both = self.input_price_per_1m is not None and self.output_price_per_1m is not None
        return both or self.price_per_request is not None


class ModelFallback(models.Model):
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="fallback_links")
    fallback = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["model", "fallback"], name="unique_model_fallback")]

    def __str__(self) -> str:
        return f"{self.model_id} → {self.fallback_id} (#{self.position})"


class Favorite(models.Model):
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="favorites")
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "model"], name="unique_favorite")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.model_id}"


class UserProviderKey(models.Model):
    """A user's own key for a provider (bring your own key). Stored encrypted; only the last four are shown."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="provider_keys")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="user_keys")
    api_key = EncryptedTextField()
    last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="unique_user_provider_key")]
        verbose_name = "user provider key"

    def __str__(self) -> str:
        return f"{self.user_id} · {self.provider_id} · …{self.last4}"

    @property
    def masked(self) -> str:
        return f"…{self.last4}" if self.last4 else ""


class ModelPrice(models.Model):
    """A price a model had, with the dates it held. Written by catalog.services when a price changes.

    Past generations keep the cost they had regardless: Generation.cost is stored when the answer is
    recorded. This history is what explains those figures later.
    """

    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="price_history")
    input_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    output_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    cached_input_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_request = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_video = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_video_second = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    image_prices = models.JSONField(default=dict, blank=True)
    image_output_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    valid_from = models.DateTimeField(null=True, blank=True, help_text="Null = since before history was kept.")
    valid_to = models.DateTimeField(help_text="When this price was replaced.")
    source = models.CharField(max_length=400, blank=True)
    changed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-valid_to"]
        indexes = [models.Index(fields=["model", "valid_to"])]
        verbose_name = "price history"
        verbose_name_plural = "price history"

    def __str__(self) -> str:
        return f"{self.model_id} until {self.valid_to:%Y-%m-%d}"
