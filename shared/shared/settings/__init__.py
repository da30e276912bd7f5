"""Settings every service builds on; environment variables are the only input."""
