"""Real docker credential helper programs for tests, written into a directory.

:func:`write_store_helper` writes ``docker-credential-NAME``, a Python script speaking
the helper protocol (get, store, erase, list) that keeps its secrets in a JSON file, and
logs each call (the action and the server URL or user name, never a secret) to another.
:func:`write_script` writes any other program, for helpers that misbehave.
"""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

_STORE_HELPER = """import json, sys
SECRETS, LOG = {secrets!r}, {log!r}
action = sys.argv[1] if len(sys.argv) > 1 else ""
data = sys.stdin.read() if action in ("get", "store", "erase") else ""
try:
    with open(SECRETS) as f:
        held = json.load(f)
except FileNotFoundError:
    held = {{}}
def log(what):
    with open(LOG, "a") as f:
        f.write(json.dumps([action, what]) + "\\n")
def not_found():
    print("credentials not found in native keychain")
    sys.exit(1)
if action == "get":
    log(data)
    if data not in held:
        not_found()
    user, secret = held[data]
    print(json.dumps({{"ServerURL": data, "Username": user, "Secret": secret}}))
elif action == "store":
    body = json.loads(data)
    log([body["ServerURL"], body["Username"]])
    held[body["ServerURL"]] = [body["Username"], body["Secret"]]
elif action == "erase":
    log(data)
    if held.pop(data, None) is None:
        not_found()
elif action == "list":
    log("")
    print(json.dumps({{url: pair[0] for url, pair in held.items()}}))
else:
    print("unknown action", action)
    sys.exit(2)
with open(SECRETS, "w") as f:
    json.dump(held, f)
"""


@dataclass(frozen=True)
class StoreHelper:
    name: str
    directory: Path
    secrets: Path
    log: Path

    def held(self) -> dict[str, list[str]]:
        """Server URL → [user name, secret] as the helper keeps them."""
        if not self.secrets.exists():
            return {}
        data = json.loads(self.secrets.read_text())
        assert isinstance(data, dict)
        return data

    def calls(self) -> list[list[object]]:
        """Each call: [action, server URL (get, erase) or [URL, user] (store) or ""]."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def write_script(directory: Path, name: str, body: str) -> Path:
    """An executable ``directory/name`` running ``body`` with this Python."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP)
    return path


def write_store_helper(
    directory: Path, name: str = "imagekit-test", data: Path | None = None
) -> StoreHelper:
    """``directory/docker-credential-NAME`` keeping its secrets in ``data`` (a directory)."""
    data = data or directory
    data.mkdir(parents=True, exist_ok=True)
    helper = StoreHelper(name, directory, data / f"{name}-secrets.json", data / f"{name}.log")
    text = _STORE_HELPER.format(secrets=str(helper.secrets), log=str(helper.log))
    write_script(directory, f"docker-credential-{name}", text)
    return helper
