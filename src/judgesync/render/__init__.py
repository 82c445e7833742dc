"""Renderers of plans and apply reports: text for people, JSON for machines."""
