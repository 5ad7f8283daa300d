"""Pairing: who meets whom, introduced how, and whether they met."""
