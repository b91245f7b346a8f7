"""Kennisartikelen: vetted information for helpdesks, written in Markdown."""
