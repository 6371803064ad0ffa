"""/etc/passwd and /etc/group: the accounts every image we make has, root and nonroot.

``nonroot`` (65532) is the unprivileged user distroless images name; images run as it
unless told otherwise. :func:`add_accounts` merges the accounts into a base's files,
leaving every line the base has as it is.
"""

from __future__ import annotations

from typing import NamedTuple

NONROOT_UID = 65532


class Account(NamedTuple):
    name: str
    uid: int
    home: str
    shell: str


#: root, nobody and nonroot, as passwd lines are written in that order.
ACCOUNTS: tuple[Account, ...] = (
    Account("root", 0, "/root", "/bin/sh"),
    Account("nobody", 65534, "/nonexistent", "/usr/sbin/nologin"),
    Account("nonroot", NONROOT_UID, "/home/nonroot", "/usr/sbin/nologin"),
)
_GROUP_NAMES = {"root": "root", "nobody": "nogroup", "nonroot": "nonroot"}


def passwd_line(account: Account, shell: str | None = None) -> str:
    login = shell or account.shell
    return f"{account.name}:x:{account.uid}:{account.uid}:{account.name}:{account.home}:{login}"


def group_line(account: Account) -> str:
    return f"{_GROUP_NAMES[account.name]}:x:{account.uid}:"


def _names_and_ids(text: str) -> tuple[set[str], set[int]]:
    names: set[str] = set()
    ids: set[int] = set()
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[0]:
            names.add(fields[0])
            if fields[2].isdigit():
                ids.add(int(fields[2]))
    return names, ids


def _merged(text: str, lines: list[tuple[str, int, str]]) -> bytes:
    names, ids = _names_and_ids(text)
    out = text if not text or text.endswith("\n") else text + "\n"
    for name, number, line in lines:
        if name not in names and number not in ids:
            out += line + "\n"
    return out.encode()


def add_accounts(
    passwd: str = "", group: str = "", *, shell: str | None = None
) -> tuple[bytes, bytes]:
    """``passwd`` and ``group`` with root, nobody and nonroot added where their name and id
    are both free; ``shell`` replaces each account's login shell when given."""
    users = [(a.name, a.uid, passwd_line(a, shell)) for a in ACCOUNTS]
    groups = [(_GROUP_NAMES[a.name], a.uid, group_line(a)) for a in ACCOUNTS]
    return _merged(passwd, users), _merged(group, groups)
