import uuid

import pytest
from django.db import transaction

from shared.messaging.models import OutboxMessage
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import UserBanned


@pytest.mark.django_db(transaction=True)
def test_outbox_row_is_written_with_the_transaction_and_rolled_back_with_it():
    event = UserBanned(user_id=uuid.uuid4(), reason="Spam links")

    def ban_that_fails() -> None:
        with transaction.atomic():
            outbox_enqueue(event=event)
            raise RuntimeError("the ban failed")

    with pytest.raises(RuntimeError):
        ban_that_fails()

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outbox_needs_a_transaction():
    with pytest.raises(transaction.TransactionManagementError):
        outbox_enqueue(event=UserBanned(user_id=uuid.uuid4(), reason="Spam links"))


@pytest.mark.django_db
def test_outbox_row_carries_the_event():
    event = UserBanned(user_id=uuid.uuid4(), reason="Spam links")

    message = outbox_enqueue(event=event)

    assert (message.id, message.exchange, message.routing_key) == (
        event.event_id,
        "moderation.events",
        "user.banned",
    )
    assert message.payload == event.to_dict()
    assert message.published_at is None
