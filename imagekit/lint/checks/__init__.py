"""One module per rule. Each module has ``RULE`` (its id) and ``check(ctx)``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from types import ModuleType

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

#: The check modules, by rule id.
NAMES = (
    "ik101_consecutive_run",
    "ik102_cleanup_in_later_layer",
    "ik103_recursive_chown_after_copy",
    "ik104_context_copied_without_dockerignore",
    "ik201_apt_lists_left",
    "ik202_apt_recommends_installed",
    "ik203_apk_cache_left",
    "ik204_pip_cache_left",
    "ik205_npm_cache_left",
    "ik206_build_tool_cache_left",
    "ik207_yum_cache_left",
    "ik208_node_dev_dependencies_shipped",
    "ik209_go_build_cache_left",
    "ik301_executable_without_ca_bundle",
    "ik302_https_fetch_without_ca_bundle",
    "ik303_certificate_verification_disabled",
    "ik401_fat_base_image",
    "ik402_unpinned_base_tag",
    "ik501_add_where_copy_fits",
    "ik502_cd_in_run",
    "ik503_maintainer_instruction",
    "ik504_multiple_cmd_or_entrypoint",
    "ik505_shell_form_entrypoint",
    "ik506_sudo_in_run",
    "ik507_copy_from_unknown_stage",
    "ik508_duplicate_stage_name",
    "ik509_apt_get_upgrade",
    "ik510_last_user_root",
    "ik511_pipe_without_pipefail",
    "ik512_secret_in_env_or_arg",
    "ik513_invalid_expose_port",
    "ik514_relative_workdir",
    "ik515_copy_sources_to_non_directory",
    "ik516_useradd_without_no_log_init",
    "ik517_multiple_healthcheck",
    "ik518_apt_instead_of_apt_get",
    "ik519_copy_from_own_stage",
    "ik520_package_install_without_yes",
    "ik521_env_self_reference",
    "ik522_copy_relative_without_workdir",
    "ik523_wget_and_curl",
    "ik524_default_shell_replaced",
    "ik525_pointless_command_in_container",
    "ik526_invalid_label_key",
    "ik527_wget_without_progress",
    "ik528_constant_from_platform",
    "ik529_apt_version_unpinned",
    "ik530_pip_version_unpinned",
    "ik531_apk_version_unpinned",
    "ik532_npm_version_unpinned",
    "ik533_copied_archive_extracted",
    "ik534_untrusted_base_registry",
)

MODULES: tuple[ModuleType, ...] = tuple(importlib.import_module(f"{__name__}.{n}") for n in NAMES)

#: The check of each rule, by rule id.
CHECKS: dict[str, Callable[[Context], Iterable[Violation]]] = {m.RULE: m.check for m in MODULES}

#: Rules whose modules say ``OFF_BY_DEFAULT = True`` (their rules/ entry has ``enabled = false``):
#: they run only when a configuration or ``--enable`` selects them.
OFF_BY_DEFAULT: frozenset[str] = frozenset(
    m.RULE for m in MODULES if getattr(m, "OFF_BY_DEFAULT", False)
)
