"""The group service's settings with channel-layer options from the bench (never in production).

`CHATBENCH_LAYER_OPTIONS` is a JSON object: `socket_timeout` goes to the Redis connection of
the layer (redis-py 8's default is 5 s), `switch_interval` to `sys.setswitchinterval` (how
long a thread that wants the GIL may wait; 5 ms by default), anything else into the layer's
CONFIG (`capacity`, `expiry`, `group_expiry`). `bench_chat.py --layers 'core[capacity=1000]'`
sets it.
"""

import json
import os
import sys

from group_service.settings import *  # noqa: F403

_options = json.loads(os.environ.get("CHATBENCH_LAYER_OPTIONS", "{}"))
if "switch_interval" in _options:
    sys.setswitchinterval(_options.pop("switch_interval"))
if "socket_timeout" in _options:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [  # noqa: F405
        {
            "address": REDIS_URL,  # noqa: F405
            "socket_timeout": _options.pop("socket_timeout"),
        }
    ]
CHANNEL_LAYERS["default"]["CONFIG"].update(_options)  # noqa: F405
