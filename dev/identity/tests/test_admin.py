from django.contrib.auth.models import Group

from identity.realm.models import User


def test_the_user_list_shows_each_users_roles(admin_client, seeded):
    response = admin_client.get("/admin/realm/user/")

    assert response.status_code == 200
    assert "admin, moderator, user" in response.content.decode()


def test_a_user_added_in_the_admin_gets_the_default_role(admin_client, seeded):
    response = admin_client.post(
        "/admin/realm/user/add/",
        {
            "username": "carol",
            "usable_password": "true",
            "password1": "carol-pass-2026-long",
            "password2": "carol-pass-2026-long",
        },
    )

    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert list(carol.groups.values_list("name", flat=True)) == ["user"]


def test_roles_are_changed_in_the_admin(admin_client, seeded):
    # given
    bob = User.objects.get(username="bob")
    roles = Group.objects.filter(name__in=["user", "moderator"])

    # when
    response = admin_client.post(
        f"/admin/realm/user/{bob.pk}/change/",
        {
            "username": "bob",
            "first_name": "Bob",
            "last_name": "Berg",
            "email": "bob@crewup.test",
            "email_verified": "on",
            "is_active": "on",
            "groups": [role.pk for role in roles],
            "date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
        },
    )

    # then
    assert response.status_code == 302
    assert sorted(bob.groups.values_list("name", flat=True)) == ["moderator", "user"]
