"""Keycloak identity for every service: JWKS cache, token validation, DRF authentication."""
