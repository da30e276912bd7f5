"""A local OpenID Connect provider that stands in for Keycloak in development and tests."""
