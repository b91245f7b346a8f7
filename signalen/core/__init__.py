"""Pieces every feature package shares: column types, security headers, errors, language."""
