import uuid
from datetime import UTC, datetime

import pytest

from shared.messaging.schemas import InvalidEvent, UserBanned, UserUnbanned


def test_event_round_trips_through_its_wire_format():
    event = UserBanned(
        user_id=uuid.uuid4(), reason="Harassment in chat", until=datetime(2027, 1, 1, tzinfo=UTC)
    )

    parsed = UserBanned.from_dict(event.to_dict())

    assert parsed == event
    assert event.to_dict()["schema_version"] == 1


def test_until_is_optional():
    event = UserBanned(user_id=uuid.uuid4(), reason="Spam")

    assert UserBanned.from_dict(event.to_dict()).until is None


@pytest.mark.parametrize(
    "payload",
    [
        "not a dict",
        {"schema_version": 2},
        {
            "schema_version": 1,
            "event_id": "x",
            "occurred_at": "2026-01-01T00:00:00+00:00",
            "user_id": "u",
            "reason": "r",
        },
        {
            "schema_version": 1,
            "event_id": str(uuid.uuid4()),
            "occurred_at": "2026-01-01T00:00:00",
            "user_id": str(uuid.uuid4()),
            "reason": "r",
        },
        {
            "schema_version": 1,
            "event_id": str(uuid.uuid4()),
            "occurred_at": "2026-01-01T00:00:00+00:00",
            "reason": "r",
        },
    ],
    ids=[
        "not_a_dict_case",
        "wrong_version_case",
        "bad_uuid_case",
        "naive_time_case",
        "missing_user_case",
    ],
)
def test_poison_payloads_are_invalid(payload):
    with pytest.raises(InvalidEvent):
        UserUnbanned.from_dict(payload)
