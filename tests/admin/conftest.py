import pytest

from accounts.models import Role
from accounts.roles import user_set_role
from tests.factories import UserFactory


@pytest.fixture
def moderator(db):
    return user_set_role(user=UserFactory(username="moderator", email="moderator@example.com"), role=Role.MODERATOR)


@pytest.fixture
def administrator(db):
    return user_set_role(user=UserFactory(username="admin1", email="admin1@example.com"), role=Role.ADMIN)
