"""SQLite storage for the reference server.

One connection per app, every access serialised by a lock: uvicorn runs the handlers in one
event loop, but the same app may also be driven from several threads (tests, the runner), and
an in-memory database exists only on its own connection. Each write is its own transaction,
so a created group is durable (with ``--db``) before the 201 leaves.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from diglot.server import _seed

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS permission_profiles (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL,
    email TEXT,
    name_key TEXT NOT NULL,
    email_key TEXT NOT NULL,
    user_type TEXT NOT NULL,
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    locale TEXT,
    can_send_envelope INTEGER
);
CREATE INDEX IF NOT EXISTS users_identity ON users (name_key, email_key);
CREATE TABLE IF NOT EXISTS groups_ (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT,
    name TEXT NOT NULL,
    group_type TEXT NOT NULL,
    profile_id TEXT,
    listed INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS group_members (
    group_seq INTEGER NOT NULL,
    user_seq INTEGER NOT NULL,
    PRIMARY KEY (group_seq, user_seq)
);
CREATE TABLE IF NOT EXISTS signing_groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    signing_group_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    group_type TEXT NOT NULL,
    group_email TEXT NOT NULL,
    created TEXT NOT NULL,
    created_by TEXT NOT NULL,
    modified TEXT NOT NULL,
    modified_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signing_group_members (
    group_seq INTEGER NOT NULL,
    position INTEGER NOT NULL,
    user_name TEXT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (group_seq, position)
);
"""


@dataclass(frozen=True, slots=True)
class UserRow:
    user_id: str
    user_name: str
    email: str | None
    user_type: str
    status: str
    created: str


@dataclass(frozen=True, slots=True)
class GroupRow:
    group_id: str
    name: str
    group_type: str
    profile_id: str | None
    members: tuple[UserRow, ...] = ()


@dataclass(frozen=True, slots=True)
class SigningGroupRow:
    signing_group_id: str
    name: str
    group_type: str
    group_email: str
    created: str
    created_by: str
    modified: str
    modified_by: str
    members: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class NewGroup:
    """A group to create.

    Attributes:
        name: its groupName.
        group_type: its groupType.
        profile_id: its permissionProfileId, or None.
        group_id: its groupId; None allocates the next one.
        listed: whether list groups shows it.
    """

    name: str
    group_type: str
    profile_id: str | None
    group_id: str | None = None
    listed: bool = True


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user to create.

    Attributes:
        user_name: its userName.
        email: its email, or None.
        locale: its userSettings.locale, or None.
        can_send_envelope: its userSettings.canSendEnvelope, or None.
        unique: True answers an existing userName+email combination with the existing user
            instead of creating it again.
    """

    user_name: str
    email: str | None
    locale: str | None = None
    can_send_envelope: bool | None = None
    unique: bool = True


def now_timestamp() -> str:
    """The current UTC time as DocuSign writes it: 7 fractional digits and ``Z``."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}0Z"


def _key(text: str | None) -> str:
    return (text or "").casefold()


class Store:
    """The account's data in SQLite.

    Args:
        db_path: a file path, or ``:memory:``.
        permission_profiles: id -> name, written on first use of a fresh database.
    """

    def __init__(self, db_path: str, permission_profiles: Mapping[str, str]) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.executescript(_SCHEMA)
            seeded = self._db.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone()
            if seeded is None:
                self._seed(permission_profiles)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _seed(self, permission_profiles: Mapping[str, str]) -> None:
        db = self._db
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO permission_profiles (id, name) VALUES (?, ?)",
            sorted(permission_profiles.items()),
        )
        user_seqs: list[int] = []
        for user in _seed.USERS:
            cursor = db.execute(
                "INSERT INTO users (user_id, user_name, email, name_key, email_key, user_type,"
                " status, created) VALUES (?, ?, ?, ?, ?, 'CompanyUser', 'Active', ?)",
                (
                    user.user_id,
                    user.user_name,
                    user.email,
                    _key(user.user_name),
                    _key(user.email),
                    _seed.SEED_TIME,
                ),
            )
            user_seqs.append(_lastrowid(cursor))
        for group in _seed.GROUPS:
            seq = self._insert_group(NewGroup(group.name, group.group_type, group.profile_id))
            db.executemany(
                "INSERT INTO group_members (group_seq, user_seq) VALUES (?, ?)",
                [(seq, user_seqs[index]) for index in group.members],
            )
        creator = _seed.USERS[0].user_id
        for signing in _seed.SIGNING_GROUPS:
            cursor = db.execute(
                "INSERT INTO signing_groups (signing_group_id, name, group_type, group_email,"
                " created, created_by, modified, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    signing.signing_group_id,
                    signing.name,
                    signing.group_type,
                    signing.group_email,
                    _seed.SEED_TIME,
                    creator,
                    _seed.SEED_TIME,
                    creator,
                ),
            )
            seq = _lastrowid(cursor)
            db.executemany(
                "INSERT INTO signing_group_members (group_seq, position, user_name, email)"
                " VALUES (?, ?, ?, ?)",
                [
                    (seq, position, _seed.USERS[index].user_name, _seed.USERS[index].email)
                    for position, index in enumerate(signing.members)
                ],
            )
        db.execute("INSERT INTO meta (key, value) VALUES ('seeded', '1')")
        db.execute("COMMIT")

    def _insert_group(self, group: NewGroup) -> int:
        cursor = self._db.execute(
            "INSERT INTO groups_ (group_id, name, group_type, profile_id, listed)"
            " VALUES (?, ?, ?, ?, ?)",
            (group.group_id, group.name, group.group_type, group.profile_id, int(group.listed)),
        )
        seq = _lastrowid(cursor)
        if group.group_id is None:
            self._db.execute(
                "UPDATE groups_ SET group_id = ? WHERE seq = ?",
                (str(_seed.FIRST_GROUP_ID + seq - 1), seq),
            )
        return seq

    # -- reads ------------------------------------------------------------------------------

    def profile_exists(self, profile_id: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM permission_profiles WHERE id = ?", (profile_id,)
            ).fetchone()
        return row is not None

    @property
    def profile_ids(self) -> Container[str]:
        """The permission profiles' ids, for ``in``."""
        return _ProfileIds(self)

    def list_groups(self) -> list[GroupRow]:
        """Every listed group, in creation order, with its members."""
        with self._lock:
            groups = self._db.execute(
                "SELECT seq, group_id, name, group_type, profile_id FROM groups_"
                " WHERE listed = 1 ORDER BY seq"
            ).fetchall()
            members: dict[int, list[UserRow]] = {}
            for group_seq, *user in self._db.execute(
                "SELECT m.group_seq, u.user_id, u.user_name, u.email, u.user_type, u.status,"
                " u.created FROM group_members m JOIN users u ON u.seq = m.user_seq"
                " ORDER BY m.group_seq, u.seq"
            ):
                members.setdefault(group_seq, []).append(UserRow(*user))
        return [
            GroupRow(group_id, name, group_type, profile_id, tuple(members.get(seq, ())))
            for seq, group_id, name, group_type, profile_id in groups
        ]

    def list_signing_groups(self) -> list[SigningGroupRow]:
        """Every signing group, in creation order, with its members."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, signing_group_id, name, group_type, group_email, created,"
                " created_by, modified, modified_by FROM signing_groups ORDER BY seq"
            ).fetchall()
            members: dict[int, list[tuple[str, str]]] = {}
            for group_seq, user_name, email in self._db.execute(
                "SELECT group_seq, user_name, email FROM signing_group_members"
                " ORDER BY group_seq, position"
            ):
                members.setdefault(group_seq, []).append((user_name, email))
        return [
            SigningGroupRow(
                signing_group_id=row[1],
                name=row[2],
                group_type=row[3],
                group_email=row[4],
                created=row[5],
                created_by=row[6],
                modified=row[7],
                modified_by=row[8],
                members=tuple(members.get(row[0], ())),
            )
            for row in rows
        ]

    def find_user(self, user_name: str, email: str | None) -> UserRow | None:
        with self._lock:
            return self._find_user(user_name, email)

    def _find_user(self, user_name: str, email: str | None) -> UserRow | None:
        row = self._db.execute(
            "SELECT user_id, user_name, email, user_type, status, created FROM users"
            " WHERE name_key = ? AND email_key = ? AND status != 'Closed' ORDER BY seq LIMIT 1",
            (_key(user_name), _key(email)),
        ).fetchone()
        return None if row is None else UserRow(*row)

    # -- writes -----------------------------------------------------------------------------

    def create_groups(self, groups: Iterable[NewGroup]) -> list[GroupRow]:
        """Create the groups in one transaction; answer them in the same order."""
        created: list[GroupRow] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for group in groups:
                    seq = self._insert_group(group)
                    group_id = self._db.execute(
                        "SELECT group_id FROM groups_ WHERE seq = ?", (seq,)
                    ).fetchone()[0]
                    created.append(
                        GroupRow(group_id, group.name, group.group_type, group.profile_id)
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return created

    def create_users(self, users: Iterable[NewUser | None]) -> list[tuple[UserRow, bool] | None]:
        """Create users in one transaction.

        Args:
            users: the users to create; None entries (already rejected) are skipped.

        Returns:
            For each entry, None when skipped, else ``(user, created)``: ``created`` is False
            when the combination already existed (the user is the existing one).
        """
        answers: list[tuple[UserRow, bool] | None] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for user in users:
                    if user is None:
                        answers.append(None)
                        continue
                    existing = self._find_user(user.user_name, user.email) if user.unique else None
                    if existing is not None:
                        answers.append((existing, False))
                        continue
                    row = UserRow(
                        str(uuid.uuid4()),
                        user.user_name,
                        user.email,
                        "CompanyUser",
                        "ActivationSent",
                        now_timestamp(),
                    )
                    self._db.execute(
                        "INSERT INTO users (user_id, user_name, email, name_key, email_key,"
                        " user_type, status, created, locale, can_send_envelope)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            row.user_id,
                            row.user_name,
                            row.email,
                            _key(row.user_name),
                            _key(row.email),
                            row.user_type,
                            row.status,
                            row.created,
                            user.locale,
                            None if user.can_send_envelope is None else int(user.can_send_envelope),
                        ),
                    )
                    answers.append((row, True))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return answers

    def delete_groups(self, group_ids: Iterable[str]) -> list[GroupRow | str]:
        """Delete groups by id in one transaction, with their memberships.

        Returns:
            For each id, the deleted group, or why it was not deleted: ``"unknown"`` (no such
            group) or ``"protected"`` (the account's Administrators and Everyone groups).
        """
        answers: list[GroupRow | str] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for group_id in group_ids:
                    row = self._db.execute(
                        "SELECT seq, name, group_type, profile_id FROM groups_"
                        " WHERE group_id = ? AND listed = 1",
                        (group_id,),
                    ).fetchone()
                    if row is None:
                        answers.append("unknown")
                        continue
                    seq, name, group_type, profile_id = row
                    if group_type != "CustomGroup":
                        answers.append("protected")
                        continue
                    self._db.execute("DELETE FROM group_members WHERE group_seq = ?", (seq,))
                    self._db.execute("DELETE FROM groups_ WHERE seq = ?", (seq,))
                    answers.append(GroupRow(group_id, name, group_type, profile_id))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return answers

    def close_users(self, user_ids: Iterable[str]) -> list[UserRow | None]:
        """Close users by id (status ``Closed``, out of every group) in one transaction.

        Returns:
            For each id, the closed user, or None when no open user has that id.
        """
        answers: list[UserRow | None] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for user_id in user_ids:
                    row = self._db.execute(
                        "SELECT seq, user_id, user_name, email, user_type, created FROM users"
                        " WHERE user_id = ? AND status != 'Closed'",
                        (user_id,),
                    ).fetchone()
                    if row is None:
                        answers.append(None)
                        continue
                    seq, *user = row
                    self._db.execute("UPDATE users SET status = 'Closed' WHERE seq = ?", (seq,))
                    self._db.execute("DELETE FROM group_members WHERE user_seq = ?", (seq,))
                    answers.append(UserRow(user[0], user[1], user[2], user[3], "Closed", user[4]))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return answers


class _ProfileIds:
    """The permission profiles' ids as a container (read from the database on each test)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __contains__(self, profile_id: object) -> bool:
        return isinstance(profile_id, str) and self._store.profile_exists(profile_id)


def _lastrowid(cursor: sqlite3.Cursor) -> int:
    rowid = cursor.lastrowid
    if rowid is None:  # pragma: no cover - an INSERT always sets it
        raise RuntimeError("SQLite returned no row id for an INSERT")
    return rowid
