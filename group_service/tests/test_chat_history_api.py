"""The chat history API: members read by sequence; outsiders learn nothing."""

import pytest

from shared.chat.models import Message
from shared.chat.services import message_send
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.testing.api import error

pytestmark = pytest.mark.django_db


def url(group_id, suffix=""):
    return f"/api/v1/groups/{group_id}/messages/{suffix}"


@pytest.fixture
def crew():
    return GroupFactory()


def test_member_reads_history_in_sequence_order(auth_client, crew):
    for number in range(1, 6):
        message_send(group_id=crew.id, sender_id=crew.created_by_id, body=f"hello {number}")
    client = auth_client(user=crew.created_by)

    response = client.get(url(crew.id), {"after": 2, "limit": 2})

    assert response.status_code == 200
    body = response.json()
    assert [m["sequence"] for m in body["results"]] == [3, 4]
    assert [m["body"] for m in body["results"]] == ["hello 3", "hello 4"]
    assert (body["first_sequence"], body["last_sequence"]) == (3, 4)
    assert body["results"][0]["sender"]["username"] == crew.created_by.username


def test_scrolling_back_returns_the_newest_before_a_sequence(auth_client, crew):
    for number in range(1, 6):
        message_send(group_id=crew.id, sender_id=crew.created_by_id, body=f"m{number}")

    response = auth_client(user=crew.created_by).get(url(crew.id), {"before": 5, "limit": 2})

    assert [m["sequence"] for m in response.json()["results"]] == [3, 4]


@pytest.mark.parametrize(
    "who",
    ["outsider_case", "moderator_case"],
)
def test_non_members_get_404_and_no_content(auth_client, crew, who):
    message_send(group_id=crew.id, sender_id=crew.created_by_id, body="secret plan")
    roles = ("user", "moderator") if who == "moderator_case" else ("user",)

    response = auth_client(roles=roles).get(url(crew.id))

    assert response.status_code == 404
    assert "secret plan" not in response.content.decode()


def test_anonymous_gets_401(api_client, crew):
    assert api_client.get(url(crew.id)).status_code == 401


def test_before_and_after_together_is_400(auth_client, crew):
    response = auth_client(user=crew.created_by).get(url(crew.id), {"before": 3, "after": 1})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_send_over_http_numbers_the_message(auth_client, crew):
    member = MembershipFactory(group=crew).user

    response = auth_client(user=member).post(url(crew.id), {"body": "  on my way  "}, format="json")

    assert response.status_code == 201
    assert response.json()["body"] == "on my way"
    assert response.json()["sequence"] == 1


def test_a_send_repeated_with_its_client_id_answers_the_stored_message(auth_client, crew):
    client = auth_client(user=crew.created_by)
    first = client.post(url(crew.id), {"body": "hello", "client_id": "c1"}, format="json")

    again = client.post(url(crew.id), {"body": "hello", "client_id": "c1"}, format="json")

    assert [first.status_code, again.status_code] == [201, 201]
    assert again.json() == first.json()
    assert list(Message.objects.filter(group=crew).values_list("sequence", "client_id")) == [
        (1, "c1")
    ]


def test_two_members_may_send_with_the_same_client_id(auth_client, crew):
    member = MembershipFactory(group=crew).user

    answers = [
        auth_client(user=user).post(url(crew.id), {"body": "hi", "client_id": "c1"}, format="json")
        for user in (crew.created_by, member)
    ]

    assert [(a.status_code, a.json()["sequence"]) for a in answers] == [(201, 1), (201, 2)]


@pytest.mark.parametrize(
    "client_id",
    ["x" * 65, "", 123, ["c1"]],
    ids=["long_case", "empty_case", "int_case", "list_case"],
)
def test_an_invalid_client_id_is_400_and_stores_nothing(auth_client, crew, client_id):
    response = auth_client(user=crew.created_by).post(
        url(crew.id), {"body": "hi", "client_id": client_id}, format="json"
    )

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert "client_id" in error(response)["fields"]
    assert not Message.objects.filter(group=crew).exists()


def test_edit_by_another_member_is_403_and_changes_nothing(auth_client, crew):
    message = message_send(group_id=crew.id, sender_id=crew.created_by_id, body="original")
    other = MembershipFactory(group=crew).user

    response = auth_client(user=other).patch(
        url(crew.id, f"{message.id}/"), {"body": "hacked"}, format="json"
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.body == "original"


def test_sender_edits_and_everyone_sees_edited(auth_client, crew):
    message = message_send(group_id=crew.id, sender_id=crew.created_by_id, body="original")

    response = auth_client(user=crew.created_by).patch(
        url(crew.id, f"{message.id}/"), {"body": "fixed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["body"] == "fixed"
    assert response.json()["edited_at"] is not None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("sender_case", 204),
        ("crew_admin_case", 204),
        ("moderator_case", 204),
        ("other_member_case", 403),
        ("outsider_case", 404),
    ],
)
def test_delete_permissions(auth_client, crew, who, status):
    from shared.chat.models import Message
    from shared.groups.models import MemberRole

    sender = MembershipFactory(group=crew).user
    message = message_send(group_id=crew.id, sender_id=sender.id, body="to delete")
    client = {
        "sender_case": lambda: auth_client(user=sender),
        "crew_admin_case": lambda: auth_client(
            user=MembershipFactory(group=crew, role=MemberRole.ADMIN).user
        ),
        "moderator_case": lambda: auth_client(roles=("user", "moderator")),
        "other_member_case": lambda: auth_client(user=MembershipFactory(group=crew).user),
        "outsider_case": lambda: auth_client(),
    }[who]()

    response = client.delete(url(crew.id, f"{message.id}/"))

    assert response.status_code == status
    deleted = Message.objects.get(id=message.id).deleted_at is not None
    assert deleted == (status == 204)


def test_history_items_are_the_socket_frames_payload(auth_client, crew):
    """Edited, deleted and system messages (with data, without a sender) read as on the socket."""
    from shared.chat.models import Message, MessageKind
    from shared.chat.realtime import message_payload
    from shared.chat.services import message_delete, message_edit, message_post_system

    owner = crew.created_by
    edited = message_send(group_id=crew.id, sender_id=owner.id, body="first draft")
    message_edit(group_id=crew.id, message_id=edited.id, editor_id=owner.id, body="final")
    deleted = message_send(group_id=crew.id, sender_id=owner.id, body="oops")
    message_delete(group_id=crew.id, message_id=deleted.id, actor_id=owner.id)
    message_post_system(
        group_id=crew.id, kind=MessageKind.SYSTEM, body="Ann joined", data={"user": "ann", "n": 1}
    )

    body = auth_client(user=owner).get(url(crew.id)).json()

    stored = Message.objects.filter(group=crew).select_related("sender").order_by("sequence")
    assert body["results"] == [message_payload(message) for message in stored]
    assert [m["body"] for m in body["results"]] == ["final", "", "Ann joined"]


def test_a_quiet_crew_has_an_empty_history(auth_client, crew):
    body = auth_client(user=crew.created_by).get(url(crew.id)).json()

    assert body == {"results": [], "first_sequence": None, "last_sequence": None}


def test_a_crew_taken_down_has_no_history_even_for_its_members(auth_client, crew):
    from django.utils import timezone

    message_send(group_id=crew.id, sender_id=crew.created_by_id, body="before")
    crew.removed_at = timezone.now()
    crew.save(update_fields=["removed_at"])

    assert auth_client(user=crew.created_by).get(url(crew.id)).status_code == 404


def _message_operations(client):
    schema = client.get(
        "/api/v1/groups/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    return (
        schema["paths"]["/api/v1/groups/{group_pk}/messages/"],
        schema["paths"]["/api/v1/groups/{group_pk}/messages/{id}/"],
    )


def test_schema_documents_the_history_as_one_page_object(client):
    messages, _ = _message_operations(client)

    content = messages["get"]["responses"]["200"]["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/MessagePageOutput"}


def test_schema_documents_the_refusals_of_the_message_endpoints(client):
    messages, message = _message_operations(client)

    assert set(messages["get"]["responses"]) == {"200", "400", "401", "403", "404", "503"}
    assert set(messages["post"]["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "404",
        "413",
        "415",
        "429",
        "503",
    }
    assert set(message["patch"]["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "503",
    }
    assert set(message["delete"]["responses"]) == {"204", "401", "403", "404", "409", "503"}
