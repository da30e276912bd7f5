"""The OpenAPI schema is complete and generates without a warning."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from shared.accounts.tests.factories import UserFactory


def test_schema_is_generated_without_warnings() -> None:
    output = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)

    assert output.getvalue().startswith("openapi: 3.0.3")


def _schema(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/users/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def test_a_profile_without_an_avatar_answers_an_empty_avatar_url_the_schema_allows(
    client: Any, auth_client: Any
) -> None:
    # given
    viewer = auth_client()
    profile = UserFactory(avatar_url="")

    # when
    response = viewer.get(f"/api/v1/users/{profile.id}/")

    # then (and the autouse fixture validates the answer against the schema)
    assert response.json()["avatar_url"] == ""
    components = _schema(client)["components"]["schemas"]
    for name in ("PublicProfileOutput", "MeOutput"):
        avatar_url = components[name]["properties"]["avatar_url"]
        assert "format" not in avatar_url
        assert avatar_url["anyOf"] == [
            {"type": "string", "format": "uri"},
            {"type": "string", "maxLength": 0},
        ]


@pytest.mark.parametrize(
    ("avatar_url", "status_code"),
    [
        pytest.param("", 200, id="empty_case"),
        pytest.param("https://example.com/me.png", 200, id="url_case"),
        pytest.param("not a url", 400, id="not_a_url_case"),
    ],
)
def test_avatar_url_accepts_a_url_or_empty_and_refuses_anything_else(
    auth_client: Any, avatar_url: str, status_code: int
) -> None:
    client = auth_client()

    response = client.patch("/api/v1/users/me/", {"avatar_url": avatar_url}, format="json")

    assert response.status_code == status_code
    client.user.refresh_from_db()
    assert client.user.avatar_url == (avatar_url if status_code == 200 else "")


def test_the_notification_list_is_documented_as_one_page_object(client: Any) -> None:
    responses = _schema(client)["paths"]["/api/v1/users/me/notifications/"]["get"]["responses"]

    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotificationPageOutput"
    }
    assert "404" in responses
