"""CrewUp's shared package: the domain apps and the plumbing every service composes."""
