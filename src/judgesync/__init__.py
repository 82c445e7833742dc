"""judgesync: GitOps for Mistral judges."""

__version__ = "0.1.0"
