"""The exception hierarchy: one base, one class per boundary."""


class ResetdeskError(Exception):
    """Base class of every error resetdesk raises on purpose."""


class ConfigError(ResetdeskError):
    """The configuration file is unreadable, or a key is unknown or mistyped."""


class KnowledgeError(ResetdeskError):
    """The knowledge graph, a lexicon or a template in data/ is inconsistent."""


class MailParseError(ResetdeskError):
    """A message could not be parsed into something the rules can read."""


class IntakeError(ResetdeskError):
    """Mail could not be read from its source (IMAP or Maildir)."""


class IntakeConnectionError(IntakeError):
    """The IMAP server could not be reached, or the connection was lost."""


class IntakeAuthError(IntakeError):
    """The IMAP server refused the login (password or XOAUTH2 token)."""


class TokenError(ResetdeskError):
    """The identity platform did not issue an access token."""


class DeliveryError(ResetdeskError):
    """An outgoing message could not be handed to its transport."""


class TransientDeliveryError(DeliveryError):
    """The transport failed for now (connection, 4xx): try again later."""

    retry_after: float | None = None     # seconds the server asked us to wait (Retry-After), when it said


class PermanentDeliveryError(DeliveryError):
    """The transport refused the message for good (5xx): do not retry."""


class StoreError(ResetdeskError):
    """The SQLite store is unusable (migrations, locking, corruption)."""


class SigninError(ResetdeskError):
    """A person's sign-in (an OpenID Connect ID token) was refused: `reason` says which check failed."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
