# The gateway fixtures (fake-upstream models, keys, a uvicorn server) are shared with tests/playground.
from tests.playground.conftest import (  # noqa: F401
    alice_key,
    alice_keyed,
    app_server,
    chat_model,
    fake_provider,
    key_for,
    make_model,
)
