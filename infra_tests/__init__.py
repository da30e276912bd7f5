"""Checks of what ships CrewUp: images, Helm chart, ArgoCD, workflows and monitoring."""
