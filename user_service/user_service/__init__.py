"""The CrewUp user service: a deployable composition of the shared domain apps."""
