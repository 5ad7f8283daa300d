"""Alembic revisions: the only way Sprout's schema is created or changed."""
