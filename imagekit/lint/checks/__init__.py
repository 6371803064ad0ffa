"""One module per rule. Each module has ``RULE`` (its id) and ``check(ctx)``.

A module is imported only when a Dockerfile holds what it looks at (:data:`LOOKS_AT`): a
pre-commit call on one file then loads the checks that can fire on it, not all of them.
The words of a module are a necessary condition of its check: the check cannot report
anything on a Dockerfile whose instructions hold none of them. They are looked for in
:func:`looked_at`, the instructions' text in lower case with quotes and backslashes taken
out (so ``a"pt-get"`` and ``apt-\\`` + newline + ``get`` hold ``apt-get``). A word that
starts with a letter or digit counts only where no letter or digit comes before it, as a
command name, keyword or option name starts (``rm`` in ``rm -rf`` and ``/bin/rm``, not in
``form``); other words (``|``, ``--from``) count anywhere. A module with no words always
runs. Keep a module's words in step with what its check tests: its tests lint through the
engine, so a case the words miss fails there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagekit.dockerfile import Dockerfile
    from imagekit.lint.context import Context
    from imagekit.lint.findings import Violation

    Check = Callable[[Context], Iterable[Violation]]

#: What IK303 looks for: the commands, options, environment variables and configuration
#: keys of imagekit.lint.insecure, and wget (BusyBox's applet over https).
_IK303_WORDS = (
    "curl",
    "wget",
    "sslverify",
    "git_ssl_no_verify",
    "trusted-host",
    "pip_trusted_host",
    "allow-insecure-host",
    "uv_insecure_host",
    "strict-ssl",
    "strictssl",
    "enablestrictssl",
    "npm_config_strict_ssl",
    "node_tls_reject_unauthorized",
    "pythonhttpsverify",
    "allow-untrusted",
    "allow-unauthenticated",
    "allow-insecure-repositories",
    "allow-downgrade-to-insecure-repositories",
    "force-yes",
    "allowinsecurerepositories",
    "allowdowngradetoinsecurerepositories",
    "allowunauthenticated",
    "verify-peer",
    "verify-host",
    "trusted=yes",
    "gpgcheck",
    "nogpgcheck",
    "no-gpg-checks",
    "nosignature",
    "check_certificate",
)

#: The check modules, in the order they run, with the words (lower case) one of which a
#: Dockerfile must hold for the module to be loaded; () for a module that always runs.
LOOKS_AT: Mapping[str, tuple[str, ...]] = {
    "ik101_consecutive_run": ("run",),
    # rm, find -delete, and the package managers' cache cleaners: apt-get clean, yum clean
    # all, apk cache clean|purge, npm cache clean|clear|rm, yarn cache clean, pip cache
    # purge|remove
    "ik102_cleanup_in_later_layer": ("rm", "-delete", "clean", "purge", "clear", "remove"),
    "ik103_recursive_chown_after_copy": ("chown", "chmod"),
    "ik104_context_copied_without_dockerignore": ("copy", "add"),
    "ik201_apt_lists_left": ("apt",),
    "ik202_apt_recommends_installed": ("apt",),
    "ik203_apk_cache_left": ("apk",),
    "ik204_pip_cache_left": ("pip", "-mpip"),
    "ik205_npm_cache_left": ("npm", "yarn"),
    "ik206_build_tool_cache_left": ("gradle", "mvn"),
    "ik207_yum_cache_left": ("yum", "dnf", "microdnf"),
    "ik208_node_dev_dependencies_shipped": ("npm", "yarn"),
    "ik209_go_build_cache_left": ("go",),
    # a program COPYed or ADDed onto a base without a CA bundle
    "ik301_executable_without_ca_bundle": ("copy", "add"),
    "ik302_https_fetch_without_ca_bundle": ("https://",),
    "ik303_certificate_verification_disabled": _IK303_WORDS,
    "ik401_fat_base_image": (),
    "ik402_unpinned_base_tag": (),
    "ik501_add_where_copy_fits": ("add",),
    "ik502_cd_in_run": ("cd",),
    "ik503_maintainer_instruction": ("maintainer",),
    "ik504_multiple_cmd_or_entrypoint": ("cmd", "entrypoint"),
    "ik505_shell_form_entrypoint": ("cmd", "entrypoint"),
    "ik506_sudo_in_run": ("sudo",),
    "ik507_copy_from_unknown_stage": ("--from",),
    "ik508_duplicate_stage_name": ("as",),
    "ik509_apt_get_upgrade": ("apt",),
    "ik510_last_user_root": ("user",),
    "ik511_pipe_without_pipefail": ("|",),
    "ik512_secret_in_env_or_arg": ("env", "arg"),
    "ik513_invalid_expose_port": ("expose",),
    "ik514_relative_workdir": ("workdir",),
    "ik515_copy_sources_to_non_directory": ("copy", "add"),
    "ik516_useradd_without_no_log_init": ("useradd", "adduser"),
    "ik517_multiple_healthcheck": ("healthcheck",),
    "ik518_apt_instead_of_apt_get": ("apt",),
    "ik519_copy_from_own_stage": ("--from",),
    "ik520_package_install_without_yes": ("apt", "yum", "dnf", "microdnf", "zypper"),
    "ik521_env_self_reference": ("env",),
    "ik522_copy_relative_without_workdir": ("copy", "add"),
    # wget and curl both: wget is the rarer
    "ik523_wget_and_curl": ("wget",),
    "ik524_default_shell_replaced": ("ln",),
    "ik525_pointless_command_in_container": (
        *("ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount"),
        "ifconfig",
    ),
    "ik526_invalid_label_key": ("label",),
    "ik527_wget_without_progress": ("wget",),
    "ik528_constant_from_platform": ("--platform",),
    "ik529_apt_version_unpinned": ("apt",),
    "ik530_pip_version_unpinned": ("pip", "-mpip"),
    "ik531_apk_version_unpinned": ("apk",),
    "ik532_npm_version_unpinned": ("npm",),
    "ik533_copied_archive_extracted": ("tar", "bsdtar", "unzip"),
    "ik534_untrusted_base_registry": (),
}

#: The check modules, in the order they run.
NAMES: tuple[str, ...] = tuple(LOOKS_AT)

#: Rules whose modules say ``OFF_BY_DEFAULT = True`` (their rules/ entry has ``enabled =
#: false``): they run only when a configuration or ``--enable`` selects them.
OFF_BY_DEFAULT: frozenset[str] = frozenset({"IK529", "IK530", "IK531", "IK532"})

#: What :func:`looked_at` takes out (quotes, backslashes) and what it reads as a space
#: (backquotes, which start a command).
_UNQUOTE = str.maketrans({'"': None, "'": None, "\\": None, "`": " "})


def rule_of(name: str) -> str:
    """The rule id of the check module ``name``: ``IK201`` for ``ik201_apt_lists_left``."""
    return name.partition("_")[0].upper()


def load_check(name: str) -> Check:
    """The ``check`` of the module ``name`` (imported on first use)."""
    check: Check = importlib.import_module(f"{__name__}.{name}").check
    return check


def looked_at(dockerfile: Dockerfile) -> str:
    """The text :data:`LOOKS_AT` words are matched against: every instruction's logical
    line, heredoc bodies and exec-form words, in lower case, unquoted."""
    parts: list[str] = []
    for instruction in dockerfile.instructions:
        parts.append(instruction.line.text)
        parts.extend(doc.body for doc in instruction.heredocs)
        if instruction.exec_form is not None:
            parts.extend(instruction.exec_form)
    return "\n".join(parts).lower().translate(_UNQUOTE)


def wanted(names: Iterable[str], text: str) -> list[str]:
    """The modules of ``names`` whose words ``text`` (:func:`looked_at`) holds."""
    return [n for n in names if not LOOKS_AT[n] or any(holds(text, w) for w in LOOKS_AT[n])]


def holds(text: str, word: str) -> bool:
    """True when ``word`` is in ``text``; one that starts with a letter or digit only
    where none comes before it."""
    at = text.find(word)
    if not word[0].isalnum():
        return at != -1
    while at != -1:
        if at == 0 or not text[at - 1].isalnum():
            return True
        at = text.find(word, at + 1)
    return False


def __getattr__(name: str) -> Any:
    """``MODULES`` (every check module, imported) and ``CHECKS`` (rule id → check), for
    tools and tests that want them all."""
    if name == "MODULES":
        return tuple(importlib.import_module(f"{__name__}.{n}") for n in NAMES)
    if name == "CHECKS":
        return {rule_of(n): load_check(n) for n in NAMES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
