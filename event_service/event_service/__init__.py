"""The CrewUp event service: a deployable composition of the shared domain apps."""
