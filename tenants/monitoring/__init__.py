"""Monitoring: keywords, sources, fetching, matching, sentiment, mentions."""
