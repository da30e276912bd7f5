"""The CrewUp safety service: a deployable composition of the shared domain apps."""
