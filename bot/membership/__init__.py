"""Programs, profiles and the life of a membership: join, edit, pause, leave, forget."""
