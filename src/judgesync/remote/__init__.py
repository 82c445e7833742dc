"""The remote: the only HTTP code, and where the target and key come from."""
