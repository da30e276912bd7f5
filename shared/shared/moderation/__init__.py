"""Moderation: bans, reports, content takedowns and the audit log. Owned by the moderation service.

Its services are the one path for every moderator action, from the API and from the Django
admin console alike: each writes its change, a `ModerationAction` audit row and, for bans, the
`UserBanned` / `UserUnbanned` outbox row in one transaction.
"""
