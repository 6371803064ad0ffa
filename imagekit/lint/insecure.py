"""What turns TLS certificate or package signature checks off: options, settings, and
configuration lines, read as the tools read them. Used by IK303.

:func:`switch` looks at one command, :func:`env_disables` at one environment setting and
:func:`config_switch` at configuration text (an apt.conf line, a repository file, a
wgetrc). Each finding is what to show in backquotes, and whether it is a signature check
(True) or a TLS one (False).
"""

from __future__ import annotations

import re

from imagekit.dockerfile.shell import Command
from imagekit.lint.shellfacts import argv_positionals, has_option, option_values, pip_args

_FALSE = frozenset({"false", "0", "no", "off"})
#: Environment variables that switch checks off, and the values that do (None: any value).
ENV_SWITCHES: dict[str, frozenset[str] | None] = {
    "GIT_SSL_NO_VERIFY": None,  # git checks only that it is set
    "PIP_TRUSTED_HOST": None,
    "UV_INSECURE_HOST": None,
    "NODE_TLS_REJECT_UNAUTHORIZED": frozenset({"0"}),
    "PYTHONHTTPSVERIFY": frozenset({"0"}),
    "NPM_CONFIG_STRICT_SSL": frozenset({"false"}),
}
#: curl's short options that take a value: the rest of a bundle after one is that value.
_CURL_VALUED = frozenset("AbcCdDeEFHKmoPQrtTuUwxXyYz")
#: Configuration text (apt.conf lines, -o values, repo files, wgetrc) that turns checks off.
#: Compiled on first use (re caches it), for a text that holds one of :data:`_CONFIG_KEYS`.
_CONFIG = (
    r"(?i)(?:(?:Acquire::AllowInsecureRepositories|Acquire::AllowDowngradeToInsecureRepositories"
    r"|APT::Get::AllowUnauthenticated)[\s=]+\"?(?:true|1|yes|on)\b"
    r"|Acquire::https?::(?:[^\s:\"]+::)?Verify-(?:Peer|Host)[\s=]+\"?(?:false|0|no|off)\b"
    r"|\[(?:[^]]*\s)?trusted=yes\b"
    r"|(?:^|[\s.;\"'/])(?:repo_|localpkg_)?gpgcheck\s*=\s*(?:0|false|no|off)\b"
    r"|(?:^|[\s.;\"'/])sslverify\s*=\s*(?:0|false|no|off)\b"
    r"|check_certificate\s*=\s*(?:off|0|no|false)\b)"
)
#: A key each alternative of :data:`_CONFIG` names, in lower case: a text without any of
#: them cannot match, and most echo and printf arguments hold none.
_CONFIG_KEYS = (
    "allowinsecurerepositories",
    "allowdowngradetoinsecurerepositories",
    "allowunauthenticated",
    "verify-peer",
    "verify-host",
    "trusted=yes",
    "gpgcheck",
    "sslverify",
    "check_certificate",
)
_RPM_MANAGERS = frozenset({"yum", "dnf", "dnf5", "microdnf", "tdnf"})
_APT = frozenset({"apt-get", "apt", "aptitude"})
_JS_MANAGERS = frozenset({"npm", "yarn", "pnpm"})


def env_disables(key: str, value: str) -> bool:
    name = key.upper()
    if name not in ENV_SWITCHES:
        return False
    values = ENV_SWITCHES[name]
    if values is None:
        return name == "GIT_SSL_NO_VERIFY" or bool(value.strip())
    return value.strip().strip("'\"").lower() in values


def switch(command: Command) -> tuple[str, bool] | None:
    """What in ``command`` turns a check off (shown in backquotes), and whether it is a
    signature check (else TLS)."""
    for key, value in command.env:
        if env_disables(key, value):
            return f"{key}={value}", False
    name = command.name
    if name in ("export", "declare", "typeset"):
        for arg in command.argv:
            key, eq, value = arg.partition("=")
            if eq and env_disables(key, value):
                return f"{name} {arg}", False
        return None
    found = _tool_switch(command)
    if found is not None:
        return found
    for text in _written_config(command):
        found = config_switch(text)
        if found is not None:
            return found
    return None


def config_switch(text: str) -> tuple[str, bool] | None:
    """A configuration line in ``text`` that turns a check off (see ``_switch``)."""
    lowered = text.lower()
    if not any(key in lowered for key in _CONFIG_KEYS):
        return None
    match = re.search(_CONFIG, text)
    if match is None:
        return None
    found = match.group().strip(" .;\"'/")
    tls = found.lower().startswith(("check_certificate", "sslverify", "acquire::http"))
    return found, not tls


def _written_config(command: Command) -> list[str]:
    """The text of ``command`` that becomes configuration: what echo and printf print, the
    replacement of a sed ``s///``, apt's ``-o``, dnf's ``--setopt`` and wget's ``-e``."""
    name = command.name
    if name in ("echo", "printf"):
        return list(command.argv)
    if name == "sed":
        expressions = option_values(command, "-e") + option_values(command, "--expression")
        return [r for e in (*expressions, *command.argv) if (r := _sed_replacement(e))]
    if name in _APT:
        return option_values(command, "-o") + option_values(command, "--option")
    if name in _RPM_MANAGERS:
        return option_values(command, "--setopt")
    if name == "wget":
        return option_values(command, "-e") + option_values(command, "--execute")
    return []


def _sed_replacement(expression: str) -> str:
    """The replacement of ``s/pattern/replacement/flags`` ('' for anything else)."""
    if len(expression) < 4 or expression[0] != "s" or expression[1].isalnum():
        return ""
    parts = expression[2:].split(expression[1])
    return parts[1] if len(parts) >= 2 else ""


def _tool_switch(command: Command) -> tuple[str, bool] | None:
    name = command.name
    if name == "curl":
        flag = _curl_insecure(command.argv)
        return (f"curl {flag}", False) if flag else None
    if name == "wget":
        if has_option(command, "--no-check-certificate"):
            return "wget --no-check-certificate", False
        for value in option_values(command, "--check-certificate"):
            if value.lower() in (*_FALSE, "quiet"):
                return f"wget --check-certificate={value}", False
        return None
    if name == "git":
        return _git_switch(command)
    if name == "uv" and has_option(command, "--allow-insecure-host", "--trusted-host"):
        return "uv --allow-insecure-host", False
    args = pip_args(command)
    if args is not None:
        if any(a == "--trusted-host" or a.startswith("--trusted-host=") for a in args):
            return "pip --trusted-host", False
        words = [a for a in args if not a.startswith("-")]
        if words[:2] == ["config", "set"] and words[2:3] and words[2].endswith("trusted-host"):
            return f"pip config set {words[2]}", False
        return None
    if name in _JS_MANAGERS:
        return _strict_ssl(command)
    if name == "apk" and has_option(command, "--allow-untrusted"):
        return "apk --allow-untrusted", True
    if name in _APT:
        for flag in (
            "--allow-unauthenticated",
            "--allow-insecure-repositories",
            "--allow-downgrade-to-insecure-repositories",
            "--force-yes",
        ):
            if has_option(command, flag):
                return f"{name} {flag}", True
        return None
    if name in _RPM_MANAGERS and has_option(command, "--nogpgcheck"):
        return f"{name} --nogpgcheck", True
    if name == "zypper" and has_option(command, "--no-gpg-checks"):
        return "zypper --no-gpg-checks", True
    if name == "rpm" and has_option(command, "--nosignature"):
        return "rpm --nosignature", True
    return None


def _curl_insecure(argv: tuple[str, ...]) -> str | None:
    """``-k``, ``--insecure`` or ``--proxy-insecure``, read as curl reads its options."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            break
        if arg in ("--insecure", "--proxy-insecure", "--doh-insecure"):
            return arg
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            for i, letter in enumerate(arg[1:], start=1):
                if letter == "k":
                    return "-k"
                if letter in _CURL_VALUED:
                    skip = i == len(arg) - 1  # the value is the next argument
                    break
    return None


def _git_switch(command: Command) -> tuple[str, bool] | None:
    for setting in option_values(command, "-c"):
        key, _, value = setting.partition("=")
        if _ssl_verify_key(key) and value.strip().lower() in _FALSE:
            return f"git -c {setting}", False
    words = argv_positionals(command.argv, ("-c", "-C", "--git-dir", "--work-tree"))
    if words[:1] == ["config"]:
        rest = argv_positionals(words[1:], ("--file", "-f", "--blob", "--type"))
        if len(rest) >= 2 and _ssl_verify_key(rest[0]) and rest[1].lower() in _FALSE:
            return f"git config {rest[0]} {rest[1]}", False
    return None


def _ssl_verify_key(key: str) -> bool:
    """``http.sslVerify`` or ``http.<url>.sslVerify`` (git keys are case-insensitive)."""
    lowered = key.strip().lower()
    return lowered.startswith("http.") and lowered.endswith(".sslverify")


def _strict_ssl(command: Command) -> tuple[str, bool] | None:
    name = command.name
    for arg in command.argv:
        lowered = arg.lower()
        if lowered == "--no-strict-ssl" or lowered in ("--strict-ssl=false", "--strict-ssl=0"):
            return f"{name} {arg}", False
    words = [a for a in command.argv if not a.startswith("-")]
    if words[:1] == ["config"]:
        words = words[1:]
    if words[:1] != ["set"] or len(words) < 2:
        return None
    key, eq, value = words[1].partition("=")
    if not eq:
        value = words[2] if len(words) > 2 else ""
    if key.lower() in ("strict-ssl", "enablestrictssl") and value.lower() in _FALSE:
        return f"{name} config set {key} {value}", False
    return None
