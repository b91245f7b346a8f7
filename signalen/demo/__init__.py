"""Realistic Dutch demo data and the one-command demo site."""
