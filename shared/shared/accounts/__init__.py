"""Accounts: the people who use CrewUp, provisioned from Keycloak tokens. Owned by the user service."""
