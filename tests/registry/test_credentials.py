"""The credential store: config.json's forms and keys, and real credential helper programs."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import ConfigError, RegistryError
from imagekit.registry.auth import Credentials
from imagekit.registry.credentials import CredentialStore
from imagekit.registry.dockerconfig import HUB_KEY, hostname, server_key
from tests.support.credhelpers import StoreHelper, write_script, write_store_helper

SECRET = "Pa55:w0rd-never-shown"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def write_config(directory: Path, data: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    path.write_text(json.dumps(data))
    return path


def store_in(directory: Path, bin_dir: Path | None = None) -> CredentialStore:
    path = os.pathsep.join(p for p in (str(bin_dir) if bin_dir else "", "/usr/bin", "/bin") if p)
    return CredentialStore(directory, path=path)


@pytest.fixture
def helper(tmp_path: Path) -> StoreHelper:
    return write_store_helper(tmp_path / "bin", data=tmp_path / "helper-data")


# -- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "host"),
    [
        ("registry.example.com:5000", "registry.example.com:5000"),
        ("https://registry.example.com:5000", "registry.example.com:5000"),
        ("http://registry.example.com:5000/v2/", "registry.example.com:5000"),
        ("HTTPS://Registry.Example.com/v1/", "registry.example.com"),
        ("[::1]:5000", "[::1]:5000"),
    ],
)
def test_hostname_drops_scheme_and_path(key: str, host: str) -> None:
    assert hostname(key) == host


@pytest.mark.parametrize("name", ["docker.io", "index.docker.io", "registry-1.docker.io", HUB_KEY])
def test_docker_hub_names_share_one_key(name: str) -> None:
    assert server_key(name) == HUB_KEY


# -- config.json -------------------------------------------------------------------------


def test_no_config_means_no_credentials(tmp_path: Path) -> None:
    assert store_in(tmp_path / "absent").get("registry.example.com") is None


def test_auth_field_is_base64_user_colon_password(tmp_path: Path) -> None:
    write_config(tmp_path, {"auths": {"registry.example.com": {"auth": b64(f"ci:{SECRET}")}}})
    assert store_in(tmp_path).get("registry.example.com") == Credentials("ci", SECRET)


def test_username_and_password_fields(tmp_path: Path) -> None:
    entry = {"username": "ci", "password": SECRET}
    write_config(tmp_path, {"auths": {"registry.example.com": entry}})
    assert store_in(tmp_path).get("registry.example.com") == Credentials("ci", SECRET)


@pytest.mark.parametrize(
    "key",
    [
        "https://registry.example.com:5000",
        "http://registry.example.com:5000/v2/",
        "registry.example.com:5000",
    ],
)
def test_keys_match_with_or_without_scheme_and_path(tmp_path: Path, key: str) -> None:
    write_config(tmp_path, {"auths": {key: {"auth": b64("ci:pw")}}})
    store = store_in(tmp_path)
    assert store.get("registry.example.com:5000") == Credentials("ci", "pw")
    assert store.get("registry.example.com") is None  # the port is part of the host
    assert store.get("registry.example.com:5001") is None


def test_exact_key_wins_over_a_normalised_match(tmp_path: Path) -> None:
    auths = {
        "https://registry.example.com/v2/": {"auth": b64("other:pw")},
        "registry.example.com": {"auth": b64("exact:pw")},
    }
    write_config(tmp_path, {"auths": auths})
    assert store_in(tmp_path).get("registry.example.com") == Credentials("exact", "pw")


@pytest.mark.parametrize("name", ["docker.io", "index.docker.io", "registry-1.docker.io"])
def test_docker_hub_key(tmp_path: Path, name: str) -> None:
    write_config(tmp_path, {"auths": {HUB_KEY: {"auth": b64("hubuser:pw")}}})
    assert store_in(tmp_path).get(name) == Credentials("hubuser", "pw")


def test_identity_token_entry(tmp_path: Path) -> None:
    entry = {"auth": b64("someone:"), "identitytoken": "refresh-abc"}
    write_config(tmp_path, {"auths": {"registry.example.com": entry}})
    found = store_in(tmp_path).get("registry.example.com")
    assert found == Credentials("<token>", "refresh-abc")
    assert found is not None and found.is_identity_token


def test_empty_entry_holds_nothing(tmp_path: Path) -> None:
    write_config(tmp_path, {"auths": {"registry.example.com": {}}})
    assert store_in(tmp_path).get("registry.example.com") is None


def test_malformed_json_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"auths": {"x": ')
    with pytest.raises(ConfigError) as caught:
        store_in(tmp_path).get("x")
    assert str(tmp_path / "config.json") in caught.value.format()
    assert "\n" not in caught.value.format()


def test_bad_auth_value_is_not_shown(tmp_path: Path) -> None:
    write_config(tmp_path, {"auths": {"registry.example.com": {"auth": "bm8tY29sb24tc2VjcmV0"}}})
    with pytest.raises(ConfigError) as caught:
        store_in(tmp_path).get("registry.example.com")
    text = caught.value.format()
    assert "registry.example.com" in text and "bm8tY29sb24tc2VjcmV0" not in text
    assert "no-colon-secret" not in text


# -- writing the file --------------------------------------------------------------------


def test_store_creates_the_file_0600_in_a_new_directory(tmp_path: Path) -> None:
    directory = tmp_path / "new" / ".docker"
    store = store_in(directory)
    store.store("registry.example.com:5000", Credentials("ci", SECRET))
    path = directory / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data == {"auths": {"registry.example.com:5000": {"auth": b64(f"ci:{SECRET}")}}}
    assert store.get("registry.example.com:5000") == Credentials("ci", SECRET)
    assert sorted(p.name for p in directory.iterdir()) == ["config.json"]  # no temporary left


def test_store_keeps_unknown_keys_and_mode_and_folds_other_forms(tmp_path: Path) -> None:
    original = {
        "auths": {
            "https://registry.example.com/v2/": {"auth": b64("old:old"), "email": "a@b.c"},
            "other.example.com": {"auth": b64("x:y"), "custom": [1, 2]},
        },
        "proxies": {"default": {"httpProxy": "http://127.0.0.1:3128"}},
        "currentContext": "desktop-linux",
        "psFormat": "table {{.ID}}",
    }
    path = write_config(tmp_path, original)
    path.chmod(0o640)
    store_in(tmp_path).store("registry.example.com", Credentials("new", SECRET))
    data = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert data["proxies"] == original["proxies"]
    assert data["currentContext"] == "desktop-linux" and data["psFormat"] == "table {{.ID}}"
    assert data["auths"] == {
        "other.example.com": {"auth": b64("x:y"), "custom": [1, 2]},
        "registry.example.com": {"email": "a@b.c", "auth": b64(f"new:{SECRET}")},
    }


def test_store_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    real = write_config(tmp_path / "dotfiles", {"auths": {}, "detachKeys": "ctrl-e,e"})
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "config.json").symlink_to(real)
    store_in(tmp_path / "docker").store("r.example.com", Credentials("u", "p"))
    assert (tmp_path / "docker" / "config.json").is_symlink()
    assert json.loads(real.read_text())["auths"] == {"r.example.com": {"auth": b64("u:p")}}


def test_store_identity_token(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    store.store("r.example.com", Credentials("<token>", "refresh-xyz"))
    data = json.loads((tmp_path / "config.json").read_text())
    assert data["auths"] == {"r.example.com": {"identitytoken": "refresh-xyz"}}
    assert store.get("r.example.com") == Credentials("<token>", "refresh-xyz")


def test_erase_removes_every_form_of_the_key(tmp_path: Path) -> None:
    auths = {
        "https://r.example.com": {"auth": b64("a:b")},
        "r.example.com/v2/": {"auth": b64("c:d")},
        "r.example.com:5000": {"auth": b64("e:f")},
    }
    path = write_config(tmp_path, {"auths": auths, "credHelpers": {}})
    store = store_in(tmp_path)
    assert store.erase("r.example.com") is True
    assert json.loads(path.read_text()) == {
        "auths": {"r.example.com:5000": {"auth": b64("e:f")}},
        "credHelpers": {},
    }
    assert store.erase("r.example.com") is False
    assert store.get("r.example.com") is None


def test_list_shows_users_not_secrets(tmp_path: Path) -> None:
    write_config(tmp_path, {"auths": {"https://a.example.com": {"auth": b64(f"ann:{SECRET}")}}})
    assert store_in(tmp_path).list() == {"a.example.com": "ann"}


# -- credential helpers ------------------------------------------------------------------


def test_creds_store_round_trip(tmp_path: Path, helper: StoreHelper) -> None:
    path = write_config(tmp_path / "cfg", {"credsStore": "imagekit-test", "auths": {}})
    store = store_in(tmp_path / "cfg", helper.directory)
    assert store.get("r.example.com:5000") is None
    store.store("r.example.com:5000", Credentials("ci", SECRET))
    assert helper.held() == {"r.example.com:5000": ["ci", SECRET]}
    data = json.loads(path.read_text())
    assert data == {"credsStore": "imagekit-test", "auths": {"r.example.com:5000": {}}}
    assert SECRET not in path.read_text()
    assert store.get("https://r.example.com:5000/v2/") == Credentials("ci", SECRET)
    assert store.list() == {"r.example.com:5000": "ci"}
    assert store.erase("r.example.com:5000") is True
    assert helper.held() == {}
    assert json.loads(path.read_text())["auths"] == {}
    assert store.get("r.example.com:5000") is None
    assert store.erase("r.example.com:5000") is False
    assert helper.calls() == [
        ["get", "r.example.com:5000"],
        ["store", ["r.example.com:5000", "ci"]],
        ["get", "r.example.com:5000"],
        ["list", ""],
        ["erase", "r.example.com:5000"],
        ["get", "r.example.com:5000"],
        ["erase", "r.example.com:5000"],
    ]


def test_creds_store_ignores_the_files_inline_auth_as_docker_does(
    tmp_path: Path, helper: StoreHelper
) -> None:
    auths = {"r.example.com": {"auth": b64("inline:pw")}}
    write_config(tmp_path / "cfg", {"credsStore": "imagekit-test", "auths": auths})
    assert store_in(tmp_path / "cfg", helper.directory).get("r.example.com") is None


def test_cred_helpers_route_one_registry(tmp_path: Path, helper: StoreHelper) -> None:
    config = {
        "auths": {"plain.example.com": {"auth": b64("filed:pw")}},
        "credHelpers": {"helped.example.com": "imagekit-test"},
    }
    path = write_config(tmp_path / "cfg", config)
    store = store_in(tmp_path / "cfg", helper.directory)
    store.store("helped.example.com", Credentials("viahelper", SECRET))
    store.store("another.example.com", Credentials("viafile", "pw2"))
    assert helper.held() == {"helped.example.com": ["viahelper", SECRET]}
    auths = json.loads(path.read_text())["auths"]
    assert auths == {
        "plain.example.com": {"auth": b64("filed:pw")},
        "helped.example.com": {},
        "another.example.com": {"auth": b64("viafile:pw2")},
    }
    assert store.get("helped.example.com") == Credentials("viahelper", SECRET)
    assert store.get("plain.example.com") == Credentials("filed", "pw")
    assert store.list() == {
        "plain.example.com": "filed",
        "another.example.com": "viafile",
        "helped.example.com": "viahelper",
    }


def test_helper_is_asked_for_docker_hub_by_its_key(tmp_path: Path, helper: StoreHelper) -> None:
    write_config(tmp_path / "cfg", {"credsStore": "imagekit-test"})
    store = store_in(tmp_path / "cfg", helper.directory)
    store.store("docker.io", Credentials("hubuser", SECRET))
    assert helper.held() == {HUB_KEY: ["hubuser", SECRET]}
    assert store.get("index.docker.io") == Credentials("hubuser", SECRET)


def test_helper_identity_token_convention(tmp_path: Path, helper: StoreHelper) -> None:
    write_config(tmp_path / "cfg", {"credsStore": "imagekit-test"})
    store = store_in(tmp_path / "cfg", helper.directory)
    store.store("r.example.com", Credentials("<token>", "refresh-123"))
    assert helper.held() == {"r.example.com": ["<token>", "refresh-123"]}
    found = store.get("r.example.com")
    assert found is not None and found.is_identity_token and found.password == "refresh-123"


def test_missing_helper_is_one_line_naming_it(tmp_path: Path) -> None:
    write_config(tmp_path, {"credsStore": "nothere"})
    with pytest.raises(RegistryError) as caught:
        store_in(tmp_path, tmp_path / "empty-bin").get("r.example.com")
    text = caught.value.format()
    assert "docker-credential-nothere" in text and "credsStore" in text
    assert "\n" not in text


def test_failing_helper_never_shows_its_stderr(tmp_path: Path) -> None:
    write_script(
        tmp_path / "bin",
        "docker-credential-broken",
        "import sys\n"
        f"sys.stderr.write('debug: secret is {SECRET}\\n')\n"
        "print('keychain is locked')\n"
        "sys.exit(3)\n",
    )
    write_config(tmp_path / "cfg", {"credsStore": "broken"})
    store = store_in(tmp_path / "cfg", tmp_path / "bin")
    with pytest.raises(RegistryError) as caught:
        store.get("r.example.com")
    text = caught.value.format()
    assert "docker-credential-broken" in text and "exit status 3" in text
    assert "keychain is locked" in text  # the protocol's error line, on stdout
    assert SECRET not in text


def test_failing_store_never_echoes_what_it_was_sent(tmp_path: Path) -> None:
    write_script(
        tmp_path / "bin",
        "docker-credential-echo",
        "import sys\nprint('cannot store ' + sys.stdin.read())\nsys.exit(1)\n",
    )
    write_config(tmp_path / "cfg", {"credsStore": "echo"})
    with pytest.raises(RegistryError) as caught:
        store_in(tmp_path / "cfg", tmp_path / "bin").store(
            "r.example.com", Credentials("u", SECRET)
        )
    assert "docker-credential-echo failed to store" in caught.value.format()
    assert SECRET not in caught.value.format() and SECRET not in repr(caught.value.args)
    assert "auths" not in json.loads((tmp_path / "cfg" / "config.json").read_text())


@pytest.mark.parametrize("output", ["not json at all", '{"Username": "u"}', "[1, 2]"])
def test_helper_printing_garbage(tmp_path: Path, output: str) -> None:
    write_script(tmp_path / "bin", "docker-credential-garbage", f"print({output!r})\n")
    write_config(tmp_path / "cfg", {"credHelpers": {"r.example.com": "garbage"}})
    with pytest.raises(RegistryError) as caught:
        store_in(tmp_path / "cfg", tmp_path / "bin").get("r.example.com")
    text = caught.value.format()
    assert "docker-credential-garbage" in text and "helper protocol" in text
    assert output not in text and "\n" not in text


def test_helper_that_cannot_run(tmp_path: Path) -> None:
    bad = tmp_path / "bin" / "docker-credential-noexec"
    bad.parent.mkdir()
    bad.write_bytes(b"\x7fELF not really")
    bad.chmod(0o755)
    write_config(tmp_path / "cfg", {"credsStore": "noexec"})
    with pytest.raises(RegistryError) as caught:
        store_in(tmp_path / "cfg", tmp_path / "bin").get("r.example.com")
    assert "cannot run credential helper docker-credential-noexec" in caught.value.format()
