"""Keycloak identity for every service: JWKS cache, token validation, DRF authentication.

Its modules sit at different heights among shared's apps: checking a token needs no app, while
authenticating a request provisions its account and the console's sign-in syncs moderation's
console access (pyproject.toml's "Apps of shared in order" places each module).
"""
