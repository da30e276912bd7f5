"""The list's query parameters: each serializer instance has fields of its own."""

from __future__ import annotations

from django.http import QueryDict

from event_service.api.filters import EventListInputSerializer


def test_each_instance_binds_its_own_copies_of_the_fields() -> None:
    one = EventListInputSerializer(data=QueryDict("type=bar"))
    two = EventListInputSerializer(data=QueryDict("type=nonsense"))

    assert one.is_valid()
    assert not two.is_valid()
    assert one.validated_data["type"] == ("bar",)
    assert "type" in two.errors
    assert one.fields["type"] is not two.fields["type"]
    assert one.fields["type"].parent is one
    assert one.fields["type"].child is not two.fields["type"].child
    assert one.fields["type"].child.parent is one.fields["type"]
    assert one.fields["type"].child.root is one


def test_the_declared_fields_stay_unbound() -> None:
    EventListInputSerializer(data=QueryDict("type=bar,club&lat=65.5&lng=22.1")).is_valid()

    declared = EventListInputSerializer._declared_fields
    assert all(field.parent is None for field in declared.values())
    assert all(getattr(field, "field_name", None) is None for field in declared.values())
