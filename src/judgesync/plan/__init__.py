"""Pure planning, saved plans, and running a plan against the remote."""
