"""The shares pages, split by audience: a member's profile, a member's own shares and requests,
and the staff's register screens. Each module adds its routes to the one ``bp``."""
from shares.views import documents, members, people, profile, public, staff  # noqa: F401  (each registers its routes)
from shares.views.blueprint import bp

__all__ = ["bp"]
