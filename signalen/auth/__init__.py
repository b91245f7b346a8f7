"""Accounts, roles, logging in and out, and setting passwords."""
