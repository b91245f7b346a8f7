"""The overview: how many knelpunten per theme, agency and month, as SVG charts and tables."""
