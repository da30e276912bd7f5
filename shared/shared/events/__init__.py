"""Events: things to go out to, found on a map, and who goes. Owned by the event service."""
