"""What lives inside one agency's workspace."""
