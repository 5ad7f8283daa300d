"""Sprout's domain: the services behind /mentor, independent of Bolt's request objects."""
