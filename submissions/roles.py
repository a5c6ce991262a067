"""Staff roles are group memberships (the groups are created by migration; see DESIGN.md §3)."""

from django.contrib.auth.models import Group

from newsroom.prepared import Prepared

# Asked on every page a signed-in reader sees (the header's links): its SQL is written once per process.
_GROUP_NAMES = Prepared(lambda user_id: Group.objects.filter(user__id=user_id).values_list("name"))


def has_role(user, group_name) -> bool:
    """Superusers hold every role. A user's groups are read once per request, however many roles are asked
    about (the page header asks for two on every page a signed-in reader sees)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_group_names", None)
    if names is None:
        names = frozenset(name for (name,) in _GROUP_NAMES.rows(user.pk))
        user._group_names = names
    return group_name in names
