"""Monitoring's language processing: keyword queries and matching, language detection, sentiment."""
