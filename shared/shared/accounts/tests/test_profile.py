"""`user_profile_update` and the profile reads."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.accounts.selectors import user_get_profile, user_search
from shared.accounts.services import user_profile_update
from shared.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_update_stores_the_users_own_fields() -> None:
    # given
    user = UserFactory(first_name="Maria", last_name="Lind")
    # when
    updated = user_profile_update(
        user_id=user.id,
        data={
            "display_name": "  Mia ",
            "bio": " Climber and jazz fan. ",
            "avatar_url": "https://cdn.example.test/a/mia.png",
            "interests": [" jazz ", "Climbing", "JAZZ", "", "board   games"],
            "home_location": Point(22.154, 65.584, srid=4326),
        },
    )
    # then
    stored = User.objects.get(id=user.id)
    assert (stored.display_name_override, stored.display_name) == ("Mia", "Mia")
    assert stored.bio == "Climber and jazz fan."
    assert stored.avatar_url == "https://cdn.example.test/a/mia.png"
    assert stored.interests == ["jazz", "Climbing", "board games"]
    assert (stored.home_location.x, stored.home_location.y) == (22.154, 65.584)
    assert updated.display_name == "Mia"


def test_an_empty_display_name_falls_back_to_the_name_from_keycloak() -> None:
    user = UserFactory(first_name="Maria", last_name="Lind", display_name_override="Mia")

    user_profile_update(user_id=user.id, data={"display_name": ""})

    assert User.objects.get(id=user.id).display_name == "Maria Lind"


def test_clearing_the_home_location() -> None:
    user = UserFactory(home_location=Point(22.1, 65.5, srid=4326))

    user_profile_update(user_id=user.id, data={"home_location": None})

    assert User.objects.get(id=user.id).home_location is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"bio": "x" * 501}, "bio", id="long_bio_case"),
        pytest.param({"avatar_url": "http://cdn.example.test/a.png"}, "avatar_url", id="http_case"),
        pytest.param({"avatar_url": "javascript:alert(1)"}, "avatar_url", id="script_url_case"),
        pytest.param({"interests": [f"i{n}" for n in range(21)]}, "interests", id="21_case"),
        pytest.param({"interests": ["x" * 41]}, "interests", id="long_interest_case"),
        pytest.param({"interests": "jazz"}, "interests", id="not_a_list_case"),
        pytest.param({"display_name": "x" * 101}, "display_name", id="long_name_case"),
        pytest.param({"home_location": Point(10, 95, srid=4326)}, "home_location", id="pole_case"),
        pytest.param({"email": "me@example.test"}, "email", id="email_not_editable_case"),
        pytest.param({"is_banned": False}, "is_banned", id="ban_not_editable_case"),
    ],
)
def test_profile_update_refuses_bad_values_and_changes_nothing(
    data: dict[str, Any], field: str
) -> None:
    user = UserFactory(bio="Before")

    with pytest.raises(ValidationError) as raised:
        user_profile_update(user_id=user.id, data={"bio": "After", **data})

    assert field in raised.value.message_dict
    assert User.objects.get(id=user.id).bio == "Before"


def test_twenty_interests_are_accepted() -> None:
    user = UserFactory()

    user_profile_update(user_id=user.id, data={"interests": [f"i{n}" for n in range(20)]})

    assert len(User.objects.get(id=user.id).interests) == 20


def test_an_erased_account_has_no_profile_to_update() -> None:
    user = UserFactory(deleted_at=timezone.now())

    with pytest.raises(UserNotFound):
        user_profile_update(user_id=user.id, data={"bio": "Back"})


def test_user_get_profile_hides_erased_and_unknown_accounts() -> None:
    erased = UserFactory(deleted_at=timezone.now())

    for user_id in (erased.id, uuid4()):
        with pytest.raises(UserNotFound):
            user_get_profile(user_id=user_id)


def test_user_search_matches_names_email_and_ids() -> None:
    # given
    maria = UserFactory(username="maria", email="m.lind@example.test", first_name="Maria")
    mia = UserFactory(
        username="zed", first_name="Mia", last_name="Stone", display_name_override="Mia Stone"
    )
    UserFactory(username="bob", email="bob@example.test", first_name="Bob", last_name="Berg")
    UserFactory(username="maria-old", deleted_at=timezone.now())
    # when / then
    assert [u.id for u in user_search(query="MARIA")] == [maria.id]
    assert [u.id for u in user_search(query="lind@")] == [maria.id]
    assert [u.id for u in user_search(query="stone")] == [mia.id]
    assert [u.id for u in user_search(query=str(mia.id))] == [mia.id]
    assert [u.id for u in user_search(query=maria.keycloak_id)] == [maria.id]
