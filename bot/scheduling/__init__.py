"""Scheduled work: APScheduler with a persistent job store, run by exactly one process."""
