"""Beheer pages: organisations, users and the audit log."""
