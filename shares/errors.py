from app.errors import Conflict, DomainError


class StaleEdit(Conflict):
    """The record changed since the form was opened."""


class DuplicateEmail(DomainError):
    status = 409
