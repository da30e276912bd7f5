"""Test helpers every service's suite loads with `-p shared.testing.plugin`."""
