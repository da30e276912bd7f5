"""The user service's Celery worker: the notifier.

Run (worker, and beat exactly once per deployment):
    celery -A user_service worker -n user@%h --concurrency 2
    celery -A user_service beat -s <state dir>/user-celerybeat-schedule

One consumer step runs in the worker's main process, on the durable queue
`user.notifications`: the notifier turns the domain events of every producer into
notifications (stored, and pushed live to the person's open sockets) and deliveries (push,
e-mail), which the pool's processes send as tasks on `user.tasks`. Beat issues the event
reminders and resends the deliveries that are due again (`user_service.tasks`). The queue,
the consumer step, the periodic tasks and the notifications app's hook are wired in
`user_service.wiring`, once Django is set up.

Bans are not applied here: moderation writes the ban state with the ban itself
(`shared.accounts.services.user_ban_state_write`), so it holds with this worker or the
broker down, and no late or reordered `user.banned` event can write it again. The notifier
still takes `user.banned`/`user.unbanned`, to tell the person.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "user_service.settings")

app = Celery("user_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
