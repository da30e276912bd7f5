from __future__ import annotations

import logging

import pytest

from shared.core.hooks import Hook


def test_callbacks_run_in_connection_order_with_the_fired_arguments() -> None:
    hook: Hook[[int, str]] = Hook("test.numbers")
    seen: list[tuple[str, int, str]] = []
    hook.connect(lambda number, word: seen.append(("first", number, word)))
    hook.connect(lambda number, word: seen.append(("second", number, word)))

    hook.fire(7, "seven")

    assert seen == [("first", 7, "seven"), ("second", 7, "seven")]


def test_connecting_twice_calls_once_and_disconnecting_stops_the_calls() -> None:
    hook: Hook[[int]] = Hook("test.numbers")
    seen: list[int] = []
    assert hook.connect(seen.append) == seen.append
    hook.connect(seen.append)

    hook.fire(1)
    hook.disconnect(seen.append)
    hook.disconnect(seen.append)
    hook.fire(2)

    assert seen == [1]
    assert hook.callbacks == ()


def test_a_failing_callback_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given: a broken callback connected before a working one
    hook: Hook[[int]] = Hook("test.numbers")
    seen: list[int] = []

    def broken(number: int) -> None:
        raise RuntimeError("socket layer down")

    hook.connect(broken)
    hook.connect(seen.append)
    # when
    with caplog.at_level(logging.ERROR, logger="shared.core.hooks"):
        hook.fire(1)
    # then
    assert seen == [1]
    assert [record.message for record in caplog.records] == [
        "hook test.numbers: callback test_a_failing_callback_is_logged_and_the_others_still_run"
        ".<locals>.broken failed"
    ]


def test_connected_and_isolated_restore_what_was_connected_before() -> None:
    hook: Hook[[int]] = Hook("test.numbers")
    kept: list[int] = []
    hook.connect(kept.append)
    extra: list[int] = []

    with hook.connected(extra.append), hook.connected(kept.append):
        hook.fire(1)
    with hook.isolated():
        hook.fire(2)
    hook.fire(3)

    assert (kept, extra) == ([1, 3], [1])
