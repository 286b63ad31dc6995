"""The ledger moved from the playground app to usage without copying or losing a row.

The database is taken back to the state before the move, rows are written with the old models, then
the migrations run forward: every row is still there, in the same table, in the same place on disk
(PostgreSQL rewrote nothing), with its flags, and moderators keep their permission on generations.
"""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Accounts goes back too: the old models know its User as it was then, and columns added since have no
# database default, so an insert with the old model would leave them null.
BEFORE_THE_MOVE = [("accounts", "0003_apikey"), ("usage", "0002_rollups"), ("playground", "0004_jobs")]


def _migrate(targets: list[tuple[str, str]] | None = None):
    """Migrate to `targets` (the latest migrations when None); returns the models of that state."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _physical_rows() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id::text, ctid::text FROM playground_generation")
        return dict(cursor.fetchall())


def _table_identity() -> tuple[int, int]:
    """The table's OID (a copy is a new table) and its file node (a rewrite is a new file)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'playground_generation'::regclass::oid::int, pg_relation_filenode('playground_generation')::int"
        )
        return cursor.fetchone()


@pytest.fixture
def before_the_move():
    old = _migrate(BEFORE_THE_MOVE)
    try:
        yield old
    finally:
        _migrate()  # whatever happened, the next test finds the database as it was


def _old_rows(old) -> tuple[list[uuid.UUID], object]:
    user = old.get_model("accounts", "User").objects.create(email="old@example.com", username="old", password="!")
    conversation = old.get_model("playground", "Conversation").objects.create(owner=user, title="before")
    Generation = old.get_model("playground", "Generation")
    ids = []
    for n, endpoint in enumerate(["rest", "openai", "playground", "video"]):
        row = Generation.objects.create(
            user=user,
            conversation=conversation if endpoint == "playground" else None,
            endpoint=endpoint,
            requested_model="demo/swift",
            model_slug="demo/swift",
            input_messages=[{"role": "user", "content": f"question {n}"}],
            content=f"answer {n}",
            total_tokens=10 + n,
            cost=Decimal("0.00000123") * (n + 1),
            status="success",
        )
        ids.append(row.pk)
    old.get_model("playground", "Flag").objects.create(generation_id=ids[0], reason="before the move")
    moderate = old.get_model("auth", "Permission").objects.get(
        codename="moderate_generation", content_type__app_label="playground"
    )
    group = old.get_model("auth", "Group").objects.create(name="reviewers")
    group.permissions.add(moderate)
    return ids, conversation.pk


def test_moving_the_ledger_keeps_every_row_where_it_was(before_the_move):
    ids, conversation_id = _old_rows(before_the_move)
    physical = connection.vendor == "postgresql"
    before = (_table_identity(), _physical_rows()) if physical else None

    new = _migrate()

    Generation = new.get_model("usage", "Generation")
    rows = {g.pk: g for g in Generation.objects.all()}
    assert set(rows) == set(ids)
    assert [rows[i].door for i in ids] == ["rest", "openai", "playground", "video"]
    assert [rows[i].content for i in ids] == [f"answer {n}" for n in range(4)]
    assert [rows[i].cost for i in ids] == [Decimal("0.00000123") * (n + 1) for n in range(4)]
    assert rows[ids[2]].conversation_id == conversation_id
    assert new.get_model("playground", "Flag").objects.get().generation_id == ids[0]
    group = new.get_model("auth", "Group").objects.get(name="reviewers")
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("usage", "moderate_generation")
    ]
    if physical:
        # Same table, and every row at the same place: nothing was copied or rewritten.
        assert (_table_identity(), _physical_rows()) == before
