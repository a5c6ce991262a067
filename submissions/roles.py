"""Staff roles are group memberships (the groups are created by migration; see DESIGN.md §3)."""


def has_role(user, group_name) -> bool:
    """Superusers hold every role. A user's groups are read once per request, however many roles are asked
    about (the page header asks for two on every page a signed-in reader sees)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_group_names", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        user._group_names = names
    return group_name in names
