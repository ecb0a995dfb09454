"""Monitoring's pipeline: sources, fetching (feeds, search connectors), ingesting items into mentions, its jobs."""
