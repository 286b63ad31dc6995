from decimal import Decimal

from django.db import models
from django.utils import timezone

from catalog.fields import EncryptedTextField


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    icon = models.CharField(max_length=40, blank=True)
    color = models.CharField(max_length=7, blank=True, help_text="#rrggbb")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Modality(models.TextChoices):
    CHAT = "chat", "Chat"
    TEXT = "text", "Text"
    VIDEO = "video", "Video"
    IMAGE = "image", "Image"
    EMBEDDING = "embedding", "Embedding"


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
    modality = models.CharField(max_length=16, choices=Modality.choices, default=Modality.CHAT, db_index=True)

    # Prices are USD per unit named; null means "unpriced", never zero.
    input_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    output_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    cached_input_price_per_1m = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_request = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_video = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    price_per_video_second = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
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
    capabilities = models.JSONField(default=list, blank=True, help_text='e.g. ["chat", "code", "summarization"]')

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
