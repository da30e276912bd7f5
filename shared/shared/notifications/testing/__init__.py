"""Test helpers for notifications: example payloads, a push service, a browser, SMTP fixtures."""
