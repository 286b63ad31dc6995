"""Upstream model providers and the gateway in front of them."""

from .environment import env

PROVIDER_SETTINGS = {
    "openai": {
        "api_key": env("OPENAI_API_KEY", default=""),
        "base_url": env("OPENAI_BASE_URL", default="https://api.openai.com/v1"),
    },
    "openrouter": {
        "api_key": env("OPENROUTER_API_KEY", default=""),
        "base_url": env("OPENROUTER_BASE_URL", default="https://openrouter.ai/api/v1"),
    },
    "huggingface": {
        "api_key": env("HF_API_KEY", default=""),
        "base_url": env("HF_BASE_URL", default="https://router.huggingface.co"),
    },
    "minimax": {
        "api_key": env("MINIMAX_API_KEY", default=""),
        "base_url": env("MINIMAX_BASE_URL", default="https://api.minimax.io"),
    },
    "ollama": {"api_key": "", "base_url": env("OLLAMA_BASE_URL", default="http://localhost:11434")},
    "demo": {"api_key": "", "base_url": ""},
}
PROVIDER_CONNECT_TIMEOUT = env.float("PROVIDER_CONNECT_TIMEOUT", default=5.0)
PROVIDER_READ_TIMEOUT = env.float("PROVIDER_READ_TIMEOUT", default=60.0)
PROVIDER_TOTAL_TIMEOUT = env.float("PROVIDER_TOTAL_TIMEOUT", default=300.0)
PROVIDER_MAX_RETRIES = env.int("PROVIDER_MAX_RETRIES", default=2)
RESPONSE_CACHE_TTL = env.int("RESPONSE_CACHE_TTL", default=3600)
# The model a call that names none goes to, until an admin picks another (system setting `default_model`).
DEFAULT_MODEL = env("DEFAULT_MODEL", default="demo/swift")


# --- Gateway -------------------------------------------------------------------------------------
# A coarse per-caller limit on API calls whose door does not meter itself; generation uses the tiers.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
