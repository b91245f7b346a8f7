"""Shared vocabularies: themes (two levels), schemes, agencies and gemeenten."""
