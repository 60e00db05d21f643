from app.errors import DomainError


class InvalidLink(DomainError):
    """Unknown, already used, superseded by a newer one, or expired sign-in link."""
    status = 400


class WrongCredentials(DomainError):
    status = 400


class WrongCode(DomainError):
    status = 400


class TooManyAttempts(DomainError):
    """Too many wrong passwords or codes in a row for this account: the next try must wait."""
    status = 429

    def __init__(self, seconds: int = 0):
        super().__init__(seconds)
        self.seconds = max(1, int(seconds))

    @property
    def minutes(self) -> int:
        return max(1, -(-self.seconds // 60))


class EnrolmentNeedsMailbox(DomainError):
    """Enrolling a second factor needs a sign-in by e-mailed link, not a password alone."""
    status = 403
