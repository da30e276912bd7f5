"""Crew chat: messages persisted with a per-crew sequence, then fanned out. Owned by the group service."""
