"""The CrewUp moderation service: a deployable composition of the shared domain apps."""
