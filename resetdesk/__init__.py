"""resetdesk: an email help desk for Microsoft 365 account recovery."""

__version__ = "0.1.0"
