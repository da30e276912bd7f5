"""The outbox's after-commit hook, kept free of model imports.

`outbox_enqueue` fires `outbox_written` once after each commit that wrote outbox rows, so a
callback can publish them soon: the relay thread of every process
(`MessagingConfig.ready`), or the moderation service's relay task
(`moderation_service/moderation_service/wiring.py`). A callback must not raise (it runs after
the commit, when the caller's change is already stored); one that does is logged
(`shared.core.hooks`), and beat's periodic relay publishes what it missed.
"""

from __future__ import annotations

from shared.core.hooks import Hook

outbox_written: Hook[[]] = Hook("messaging.outbox_written")
