"""The reference server's seed data: a small account that exercises every documented shape.

Deterministic (fixed ids, names and timestamps) so that tests and reports are reproducible.
A fresh database (in memory, or a new ``--db`` file) is filled with it once; a file that
already holds an account keeps what it has.

Account:
    accountId ``DEFAULT_ACCOUNT_ID`` (a GUID), also reachable by its external account number
    ``DEFAULT_ACCOUNT_NUMBER``, as the documentation allows ("The external account number
    (int) or account ID GUID").

Permission profiles (``PERMISSION_PROFILES``; ``create_app(permission_profiles=...)`` can
replace them): ``1595`` Account Administrator, ``1596`` DocuSign Viewer, ``1597`` DocuSign
Sender (the id of the documentation's create-groups example), ``1601`` Legal Reviewers.

Groups, listed in this order (groupIds ``10000001`` upwards; new groups continue the
sequence):
    ``Administrators`` (``AdminGroup``, profile 1595, 2 members), ``Everyone``
    (``EveryoneGroup``, 6 members), then twelve ``CustomGroup`` s whose names carry ``&``,
    ``<``, accents, spaces and non-Latin letters: ``Sales & Marketing`` (3 members),
    ``Équipe Lyon`` (2), ``Legal`` (profile 1601, 1), ``Human Resources``, ``R&D <Labs>`` (2),
    ``Customer Success``, ``Finance – EMEA`` (profile 1597), ``Øresund Partners``,
    ``Support Tier 1``, ``Procurement``, ``montagues``, ``capulets``.

Users: six users (``Claire Horace``, ``Tal Mason``, ``Zoë Lefèvre``, ``Ana Müller``,
``Kenji Sato``, ``Sam O'Neil``) with fixed GUIDs; ``Claire Horace`` /
``claire@example.com`` is the documentation's example of an existing user, so creating it
again gives ``USER_ALREADY_EXISTS_IN_ACCOUNT``.

Signing groups: ``Administrators`` (``adminstrators``, as the documentation spells it),
``Everyone`` (``everyone``), ``Contracts & Approvals`` (``customGroup``, 3 members),
``Équipe Lyon signers`` (``customGroup``, 2 members), ``Board`` (``customGroup``, no members).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

DEFAULT_ACCOUNT_ID = "4f2c9a1e-7b3d-4e8a-9c61-2d5f8b0e7a13"
"""The GUID of the reference server's account."""

DEFAULT_ACCOUNT_NUMBER = "18511723"
"""The external account number of the same account (digits)."""

_NAMESPACE = uuid.UUID("6d1f0c52-3a8e-4b7d-a9f4-0e2b6c8d1a57")

PERMISSION_PROFILES: dict[str, str] = {
    "1595": "Account Administrator",
    "1596": "DocuSign Viewer",
    "1597": "DocuSign Sender",
    "1601": "Legal Reviewers",
}
"""Default permission profiles: id -> name."""

SEED_TIME = "2024-03-01T09:30:00.0000000Z"
"""The creation time of every seeded user and signing group."""


@dataclass(frozen=True, slots=True)
class SeedUser:
    user_name: str
    email: str

    @property
    def user_id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"user:{self.email}"))


@dataclass(frozen=True, slots=True)
class SeedGroup:
    name: str
    group_type: str
    profile_id: str | None
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SeedSigningGroup:
    name: str
    group_type: str
    group_email: str
    members: tuple[int, ...]

    @property
    def signing_group_id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"signing-group:{self.name}"))


USERS: tuple[SeedUser, ...] = (
    SeedUser("Claire Horace", "claire@example.com"),
    SeedUser("Tal Mason", "talmason@example.com"),
    SeedUser("Zoë Lefèvre", "zoe.lefevre@example.fr"),
    SeedUser("Ana Müller", "ana.mueller@example.de"),
    SeedUser("Kenji Sato", "kenji.sato@example.jp"),
    SeedUser("Sam O'Neil", "sam.oneil@example.com"),
)

GROUPS: tuple[SeedGroup, ...] = (
    SeedGroup("Administrators", "AdminGroup", "1595", (0, 1)),
    SeedGroup("Everyone", "EveryoneGroup", None, (0, 1, 2, 3, 4, 5)),
    SeedGroup("Sales & Marketing", "CustomGroup", None, (1, 3, 5)),
    SeedGroup("Équipe Lyon", "CustomGroup", None, (2, 3)),
    SeedGroup("Legal", "CustomGroup", "1601", (0,)),
    SeedGroup("Human Resources", "CustomGroup", None, ()),
    SeedGroup("R&D <Labs>", "CustomGroup", None, (4, 5)),
    SeedGroup("Customer Success", "CustomGroup", None, ()),
    SeedGroup("Finance – EMEA", "CustomGroup", "1597", ()),
    SeedGroup("Øresund Partners", "CustomGroup", None, ()),
    SeedGroup("Support Tier 1", "CustomGroup", None, ()),
    SeedGroup("Procurement", "CustomGroup", None, ()),
    SeedGroup("montagues", "CustomGroup", None, ()),
    SeedGroup("capulets", "CustomGroup", None, ()),
)

SIGNING_GROUPS: tuple[SeedSigningGroup, ...] = (
    SeedSigningGroup("Administrators", "adminstrators", "admins@example.com", (0, 1)),
    SeedSigningGroup("Everyone", "everyone", "everyone@example.com", (0, 1, 2, 3, 4, 5)),
    SeedSigningGroup("Contracts & Approvals", "customGroup", "contracts@example.com", (0, 3, 5)),
    SeedSigningGroup("Équipe Lyon signers", "customGroup", "lyon@example.fr", (2, 3)),
    SeedSigningGroup("Board", "customGroup", "board@example.com", ()),
)

FIRST_GROUP_ID = 10_000_001
"""groupIds are decimal strings, like DocuSign's: the first seeded group has this one."""
