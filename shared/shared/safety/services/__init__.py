"""Writes on safety: raising and answering alerts, the sender's trail, and check-in timers.

Owned by the safety service. Raising an alert needs no other service (ADR 0001): whether the
sender is in each crew, and each crew's event as the sender may see it, are read in one
query from the tables the group and event services write. The alert is stored in one
transaction with the domain event that notifies the crews (push, e-mail, the members' live
channel). After the commit, on a thread of the process's own (`shared.core.background`), the
group service posts the alert into each crew's chat stream over HTTP, which stores it
(members offline find it in the history) and broadcasts it (members online get a
`safety_alert` frame); a notice it cannot take is retried by the safety worker and swept up
by beat. No dependency can stop or slow down an alert: the answer never waits for one.

The "resolved" and "cancelled" notices take the same path into the chat. Acknowledgements and
positions are transient: they go to the crews' live sockets straight through the channel
layer. No database transaction is ever held open across an HTTP call.

One module per part: `alerts` (raising, resolving, cancelling), `notices` (into the crews'
chat streams), `acknowledgements`, `trails`, `checkins`, `retention` and `erasure`; `_common`
holds the input checks and the alert lookup several of them use. A name with a leading
underscore is the package's own: its modules share it, nothing outside uses it. Callers
import the names below from here.
"""

from shared.safety.services.acknowledgements import (
    alert_acknowledge,
    alert_acknowledge_with_token,
)
from shared.safety.services.alerts import RaisedAlert, alert_cancel, alert_raise, alert_resolve
from shared.safety.services.checkins import (
    checkin_timer_cancel,
    checkin_timer_check_in,
    checkin_timer_extend,
    checkin_timer_fire,
    checkin_timer_set,
    checkin_timers_fire_due,
)
from shared.safety.services.erasure import SafetyDataErased, safety_data_erase
from shared.safety.services.notices import (
    CANCELLED,
    CLOSURES,
    MAX_PARALLEL_CALLS,
    RAISED,
    RESOLVED,
    alert_notice_deliver,
    alert_notices_redeliver,
)
from shared.safety.services.retention import location_data_purge, location_retention_cutoff
from shared.safety.services.trails import CLOCK_SKEW, alert_location_add

__all__ = [
    "CANCELLED",
    "CLOCK_SKEW",
    "CLOSURES",
    "MAX_PARALLEL_CALLS",
    "RAISED",
    "RESOLVED",
    "RaisedAlert",
    "SafetyDataErased",
    "alert_acknowledge",
    "alert_acknowledge_with_token",
    "alert_cancel",
    "alert_location_add",
    "alert_notice_deliver",
    "alert_notices_redeliver",
    "alert_raise",
    "alert_resolve",
    "checkin_timer_cancel",
    "checkin_timer_check_in",
    "checkin_timer_extend",
    "checkin_timer_fire",
    "checkin_timer_set",
    "checkin_timers_fire_due",
    "location_data_purge",
    "location_retention_cutoff",
    "safety_data_erase",
]
