"""After-commit hooks of the outbox, kept free of model imports.

A service registers them from its package `__init__` / `celery.py`, which Django imports while
it loads settings, before any model can be imported.
"""

from __future__ import annotations

from collections.abc import Callable

# Called after commit to publish soon (the relay task); the periodic relay catches anything missed.
_after_commit_hooks: list[Callable[[], None]] = []


def on_outbox_written(hook: Callable[[], None]) -> Callable[[], None]:
    """Register what to run after a transaction wrote outbox rows (e.g. queue the relay task).

    Returns the hook, so this can be used as a decorator. A hook must not raise: it runs after
    the commit, when the caller's change is already stored.
    """
    if hook not in _after_commit_hooks:
        _after_commit_hooks.append(hook)
    return hook


def off_outbox_written(hook: Callable[[], None]) -> None:
    """Unregister `hook`; an unknown one is ignored."""
    if hook in _after_commit_hooks:
        _after_commit_hooks.remove(hook)


def outbox_hooks() -> tuple[Callable[[], None], ...]:
    """The registered hooks, in registration order."""
    return tuple(_after_commit_hooks)
