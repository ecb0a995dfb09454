"""Monitoring's web side: a client's monitoring settings, the mentions inbox, its search and exports."""
