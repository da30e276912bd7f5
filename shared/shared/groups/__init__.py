"""Crews: groups of people going to one event together. Owned by the group service."""
