"""HTTP plumbing every service shares: errors, pagination, health, metrics and limits."""
