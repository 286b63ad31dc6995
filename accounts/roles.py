"""Roles map onto Django's staff flags and groups, so the admin's own permission checks apply."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.models import Role, User

MODERATORS = "Moderators"
# What a moderator may do in the admin; everything else stays with administrators.
MODERATOR_PERMISSIONS = [
    ("accounts", "view_user"),
    ("accounts", "suspend_user"),
    ("admin", "view_logentry"),
    ("usage", "view_generation"),
    ("usage", "moderate_generation"),
    ("playground", "view_flag"),
    ("playground", "change_flag"),
    ("arena", "view_battle"),
    ("arena", "view_vote"),
    ("arena", "void_vote"),
]


def moderator_group() -> Group:
    group, _ = Group.objects.get_or_create(name=MODERATORS)
    wanted = [
        perm
        for app_label, codename in MODERATOR_PERMISSIONS
        if (perm := Permission.objects.filter(content_type__app_label=app_label, codename=codename).first())
    ]
    group.permissions.set(wanted)
    return group


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    user.role = role
    user.is_staff = role in (Role.MODERATOR, Role.ADMIN)
    user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser", "updated_at"])
    group = moderator_group()
    if role == Role.MODERATOR:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    return user
