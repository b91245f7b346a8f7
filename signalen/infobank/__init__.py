"""The informatiebank: one search page over signals and knowledge articles, with exports."""
