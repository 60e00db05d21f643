"""The public board of a verifiable election, its index rows, credentials, trustees and the roll.

The board (``BoardEvent``) is the source of truth: the hash-chained events of
docs/election-record.md. ``CastBallot`` and ``BallotCiphertext`` index the ballot events for fast
lookups and let the database refuse what the record rules refuse (a second ballot with the same
tracker, a ciphertext already on the board). ``RunningSum`` keeps the board's running encrypted
sums, so that the tally costs what it adds instead of a replay of every ballot.

There is no separate "has voted" roll: rows written in voting order beside the ballots' order
would link the two sequences. Whether a member voted is read from their credential's ballots
(the server may know it, as in Belenios; secrecy rests on the threshold key).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.db import value_enum
from app.extensions import db
from app.models import Account


class ElectionState(str, enum.Enum):
    SETUP = "setup"  # waiting for every scrutineer's public keys; nothing on the board yet
    KEYGEN = "keygen"  # definition on the board; scrutineers generate the election key
    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"  # the result is on the board



class Election(db.Model):
    __tablename__ = "voting_election"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # The voting.crypto.election.Election JSON; while SETUP, trustees' keys may still be empty.
    definition: Mapped[dict] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[ElectionState] = mapped_column(value_enum(ElectionState, 10), default=ElectionState.SETUP)
    require_login: Mapped[bool] = mapped_column(default=True)
    public_key: Mapped[str | None] = mapped_column(String(66))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    # A later issue links elections to general assemblies; kept loose on purpose.
    assembly_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    tallied_at: Mapped[datetime | None]
    # Touched by every append: the row lock serializes appends (and casting against closing).
    board_touched_at: Mapped[datetime | None]
    # The hash of the board's last agenda item event (item_hold, item_open, item_close); None: none.
    # Set with the event, under the board's lock: casting keeps the agenda parsed under it.
    agenda_head: Mapped[str | None] = mapped_column(String(64))

    created_by: Mapped[Account | None] = relationship()
    trustees: Mapped[list[Trustee]] = relationship(back_populates="election", order_by="Trustee.position",
                                                   lazy="selectin")


class BoardEvent(db.Model):
    """One event of the record. Two appends cannot take the same ``seq`` (database-enforced)."""

    __tablename__ = "voting_board_event"
    __table_args__ = (
        UniqueConstraint("election_id", "seq"),
        Index("ix_voting_board_event_type", "election_id", "type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("voting_election.id"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_event(self) -> dict:
        """The event exactly as docs/election-record.md writes it (what the hash covers)."""
        return {"seq": self.seq, "type": self.type, "prev": self.prev, "data": self.data, "hash": self.hash}


class Credential(db.Model):
    """A public voting credential (Ed25519 key). The private part is never stored."""

    __tablename__ = "voting_credential"
    __table_args__ = (UniqueConstraint("election_id", "public"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("voting_election.id"))
    public: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(1))
    # To whom the authority delivered it (unknown when the list came from an outside authority).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("shares_member.id"), index=True)
    # The record's voter pseudonym (128 random bits): stable across a revocation and reissue, so
    # that anyone can check each voter counts once, without the record naming the member.
    voter: Mapped[str] = mapped_column(String(32), index=True)
    published_seq: Mapped[int]
    revoked_at: Mapped[datetime | None]
    revoked_seq: Mapped[int | None]


class CastBallot(db.Model):
    """Index of the ballot events: one row per accepted ballot, superseded ones kept."""

    __tablename__ = "voting_cast_ballot"
    __table_args__ = (
        Index("ix_voting_cast_ballot_current", "credential_id", "superseded_by_tracker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("voting_election.id"), index=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("voting_credential.id"))
    tracker: Mapped[str] = mapped_column(String(64), unique=True)
    seq: Mapped[int]
    superseded_by_tracker: Mapped[str | None] = mapped_column(String(64))


class BallotCiphertext(db.Model):
    """Every alpha of every accepted ballot: the same ciphertext can never enter twice."""

    __tablename__ = "voting_ballot_ciphertext"
    __table_args__ = (UniqueConstraint("election_id", "alpha"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("voting_election.id"))
    alpha: Mapped[str] = mapped_column(String(66))
    credential_id: Mapped[int] = mapped_column(ForeignKey("voting_credential.id"))


class Trustee(db.Model):
    """A scrutineer of one election: its id in the definition and the account that acts for it."""

    __tablename__ = "voting_trustee"
    __table_args__ = (UniqueConstraint("election_id", "trustee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("voting_election.id"))
    trustee_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]  # 1-based Shamir index: the order in the definition
    name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"), index=True)
    signing_key: Mapped[str | None] = mapped_column(String(64))
    encryption_key: Mapped[str | None] = mapped_column(String(64))

    election: Mapped[Election] = relationship(back_populates="trustees")
    account: Mapped[Account | None] = relationship(lazy="joined")


class RunningSum(db.Model):
    """A shard of the board's running state: per category, the number of counted ballots and the
    encrypted sums (flat choice order, ``[[alpha, beta], ...]`` hex) of the counted ballots.

    The opening makes 16 shards. Every cast adds its ballot (minus the one it supersedes) to its
    thread's shard, or to any other that no cast holds, before taking the board's lock, so that
    concurrent casts do not wait on each other here; the tally adds the shards up."""

    __tablename__ = "voting_running_sum"
    __table_args__ = (UniqueConstraint("election_id", "shard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("voting_election.id"))
    shard: Mapped[int]
    state: Mapped[dict] = mapped_column(JSON)
