"""Signalen (knelpunten): intake with the privacy guard, categorising, merging and history."""
