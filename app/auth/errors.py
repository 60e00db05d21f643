from app.errors import DomainError


class InvalidLink(DomainError):
    """Unknown, already used, or expired sign-in link."""
    status = 400


class WrongCredentials(DomainError):
    status = 400


class WrongCode(DomainError):
    status = 400
