import pytest
from django.contrib.auth.models import Group

from submissions import moderation
from submissions.takedowns import workflow as takedowns
from tests import factories

pytestmark = pytest.mark.django_db


def test_both_staff_roles_are_read_in_one_query(django_assert_num_queries):
    user = factories.moderator(username="mira")

    with django_assert_num_queries(1):
        assert moderation.is_moderator(user) and not takedowns.is_copyright_staff(user)
        assert moderation.is_moderator(user)


def test_superusers_hold_every_role_and_inactive_staff_none(django_assert_num_queries):
    boss = factories.user(username="boss", is_superuser=True, is_staff=True)
    gone = factories.user(username="gone", is_active=False)
    gone.groups.add(Group.objects.get(name="Moderators"))

    with django_assert_num_queries(0):
        assert moderation.is_moderator(boss) and takedowns.is_copyright_staff(boss)
        assert not moderation.is_moderator(gone) and not takedowns.is_copyright_staff(gone)
