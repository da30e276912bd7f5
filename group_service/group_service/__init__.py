"""The CrewUp group service: a deployable composition of the shared domain apps."""
