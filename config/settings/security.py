"""Sign-in, tokens and secrets: who may get in, how, and what stays encrypted or out of reach; and what
browsers may load on our pages (Content-Security-Policy) and call from other origins (CORS)."""

import base64
import hashlib
from datetime import timedelta

from .environment import SITE_NAME, env

SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MixedCharacterClassesValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_SIGNUP_REDIRECT_URL = "/playground/"  # a new account starts where the product is: the chat
LOGOUT_REDIRECT_URL = "/"
SITE_ID = 1

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME


def _oauth_providers() -> dict:
    """OAuth apps are configured from the environment only; an unset id leaves a provider off."""
    providers: dict = {}
    for name in ("google", "github"):
        client_id = env(f"{name.upper()}_CLIENT_ID", default="")
        if client_id:
            providers[name] = {
                "APPS": [{"client_id": client_id, "secret": env(f"{name.upper()}_CLIENT_SECRET", default="")}],
                "SCOPE": ["profile", "email"] if name == "google" else ["read:user", "user:email"],
            }
    oidc_id = env("OIDC_CLIENT_ID", default="")
    if oidc_id:
        providers["openid_connect"] = {
            "APPS": [
                {
                    "provider_id": env("OIDC_PROVIDER_ID", default="sso"),
                    "name": env("OIDC_PROVIDER_NAME", default="Single sign-on"),
                    "client_id": oidc_id,
                    "secret": env("OIDC_CLIENT_SECRET", default=""),
                    "settings": {"server_url": env("OIDC_SERVER_URL", default="")},
                }
            ]
        }
    return providers


SOCIALACCOUNT_PROVIDERS = _oauth_providers()

ACCESS_TOKEN_MINUTES = env.int("JWT_ACCESS_MINUTES", default=15)
REFRESH_TOKEN_DAYS = env.int("JWT_REFRESH_DAYS", default=7)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
    "CHECK_USER_IS_ACTIVE": True,
}

# --- Secrets at rest, and where user-supplied URLs may go ------------------------------------------
# MultiFernet keys, newest first; rotating = prepend a new key, re-encrypt, drop the old.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    # Derived from SECRET_KEY so a bare `make run` works; production sets its own keys.
    base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
]
# User-supplied URLs (custom providers, webhooks) may not reach private addresses unless this is on.
ALLOW_PRIVATE_URLS = env.bool("ALLOW_PRIVATE_URLS", default=False)
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)

# --- Content-Security-Policy (django-csp) ----------------------------------------------------------
# Scripts and styles come only from our own static files: no inline <script>, no on*= or hx-on
# attributes (htmx evaluates those with eval), no style attributes (static/js sets them from data-*
# attributes). htmx's own indicator <style> is switched off in base.html. The Redoc page alone adds
# 'unsafe-inline' styles (its styling library writes <style> elements): see config/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}
# X-Frame-Options DENY, X-Content-Type-Options nosniff and Referrer-Policy same-origin are Django's defaults.

# --- Cross-origin API access (django-cors-headers, through accounts.cors) ---------------------------
# Browsers on these origins may call /api/ and /v1/, e.g.
# CORS_ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com. Empty (the default) = off.
# Callers authenticate with bearer tokens or X-API-Key, never cookies, so credentials stay disallowed.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|v1)/"
# Any request header (X-API-Key, the OpenAI and Anthropic SDKs' own); the wildcard leaves out
# Authorization, so it is named.
CORS_ALLOW_HEADERS = ("*", "authorization")
CORS_EXPOSE_HEADERS = [
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Endpoint",
    "X-RateLimit-Identifier",
    "Retry-After",
    "X-Request-Id",
]
