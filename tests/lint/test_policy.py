"""Configuration applied to lint: discovery per file, overrides, flags, hadolint configs."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

from imagekit.errors import ConfigError, UsageError
from imagekit.lint.engine import Flags, LintOptions, LintResult, lint_paths
from imagekit.lint.policy import Resolver, _glob, check_configs

APT = "FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y curl\n"
# IK201 (warning) on lines 2 and 3, IK101 (info) on line 3, IK202 (warning) on line 3.


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def run(*paths: Path, **flags: object) -> LintResult:
    return lint_paths([str(p) for p in paths], LintOptions(), io.BytesIO(), Flags(**flags))  # type: ignore[arg-type]


def found(result: LintResult, path: Path) -> list[tuple[str, str, int]]:
    return [(f.rule, f.severity.value, f.line) for f in result.findings if f.path == str(path)]


def test_no_config_uses_the_defaults(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", APT)
    result = run(dockerfile)
    assert found(result, dockerfile) == [
        ("IK201", "warning", 2),
        ("IK101", "info", 3),
        ("IK201", "warning", 3),
        ("IK202", "warning", 3),
    ]
    assert result.failing == 3


def test_config_ignores_overrides_severity_and_threshold(tmp_path: Path) -> None:
    write(
        tmp_path / ".imagekit.yaml",
        """
        lint:
          ignore: [apt-recommends-installed]
          severity: {IK101: error}
          failure-threshold: error
        """,
    )
    dockerfile = write(tmp_path / "svc" / "Dockerfile", APT)
    result = run(dockerfile)
    assert found(result, dockerfile) == [
        ("IK201", "warning", 2),
        ("IK101", "error", 3),
        ("IK201", "warning", 3),
    ]
    assert result.failing == 1


def test_per_path_overrides(tmp_path: Path) -> None:
    write(
        tmp_path / ".imagekit.yaml",
        """
        lint:
          ignore: [IK202]
          overrides:
            - files: ["legacy/**"]
              ignore: [IK201]
              failure-threshold: none
            - files: ["Dockerfile.dev"]
              ignore: [IK101]
        """,
    )
    main = write(tmp_path / "Dockerfile", APT)
    legacy = write(tmp_path / "legacy" / "old" / "Dockerfile", APT)
    dev = write(tmp_path / "tools" / "Dockerfile.dev", APT)
    result = run(main, legacy, dev)
    assert found(result, main) == [
        ("IK201", "warning", 2),
        ("IK101", "info", 3),
        ("IK201", "warning", 3),
    ]
    assert found(result, legacy) == [("IK101", "info", 3)]
    assert found(result, dev) == [("IK201", "warning", 2), ("IK201", "warning", 3)]
    assert result.failing == 4  # legacy never fails


def test_flags_override_the_config(tmp_path: Path) -> None:
    write(tmp_path / ".imagekit.yaml", "lint: {failure-threshold: none, ignore: [IK101]}\n")
    dockerfile = write(tmp_path / "Dockerfile", APT)
    assert run(dockerfile).failing == 0
    result = run(dockerfile, failure_threshold="warning", ignore=("IK201,DL3015",))
    assert found(result, dockerfile) == []
    assert run(dockerfile, failure_threshold="info").failing == 3
    assert run(dockerfile, failure_threshold="info", no_fail=True).failing == 0
    isolated = run(dockerfile, isolated=True)
    assert ("IK101", "info", 3) in found(isolated, dockerfile)


def test_explicit_config_replaces_discovery(tmp_path: Path) -> None:
    write(tmp_path / ".imagekit.yaml", "lint: {ignore: [IK201]}\n")
    other = write(tmp_path / "conf" / "strict.yaml", "lint: {ignore: [IK202]}\n")
    dockerfile = write(tmp_path / "Dockerfile", APT)
    result = run(dockerfile, config=str(other))
    assert {r for r, _, _ in found(result, dockerfile)} == {"IK101", "IK201"}
    with pytest.raises(ConfigError, match="not found"):
        run(dockerfile, config=str(tmp_path / "missing.yaml"))


def test_enable_off_by_default_rules(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", APT)
    assert "IK529" not in {f.rule for f in run(dockerfile).findings}
    assert "IK529" in {f.rule for f in run(dockerfile, enable=("apt-version-unpinned",)).findings}
    write(tmp_path / ".imagekit.yaml", "lint: {enable: [IK529]}\n")
    assert "IK529" in {f.rule for f in run(dockerfile).findings}


def test_trusted_registries_from_config(tmp_path: Path) -> None:
    write(tmp_path / ".imagekit.yaml", "lint: {trusted-registries: [registry.example.com]}\n")
    inside = write(tmp_path / "a" / "Dockerfile", "FROM registry.example.com/base/debian:12\n")
    outside = write(tmp_path / "b" / "Dockerfile", "FROM quay.example.org/other/debian:12\n")
    result = run(inside, outside)
    assert [f.rule for f in result.findings if f.path == str(inside)] == []
    assert "IK534" in [f.rule for f in result.findings if f.path == str(outside)]


def test_ca_bundle_table_extension(tmp_path: Path) -> None:
    text = 'FROM registry.example.com/base/static:1\nCOPY app /app\nENTRYPOINT ["/app"]\n'
    dockerfile = write(tmp_path / "Dockerfile", text)
    write(tmp_path / "app", "binary")
    write(tmp_path / ".imagekit.yaml", "lint: {}\n")
    assert "IK301" not in {f.rule for f in run(dockerfile).findings}  # unknown base: trusted
    write(
        tmp_path / ".imagekit.yaml",
        "lint:\n  ca-bundles:\n    - {name: base/static, ca_bundle: false, note: like scratch}\n",
    )
    assert "IK301" in {f.rule for f in run(dockerfile).findings}


def test_invalid_config_is_one_config_error_with_file_and_line(tmp_path: Path) -> None:
    config = write(
        tmp_path / ".imagekit.yaml",
        "lint:\n  ignore: [IK101]\n  colour: red\n  severity: {IK101: loud}\n",
    )
    dockerfile = write(tmp_path / "Dockerfile", APT)
    with pytest.raises(ConfigError) as caught:
        run(dockerfile)
    message = caught.value.message
    assert message.startswith(f"{config}:3: unknown key 'lint.colour'")
    assert "1 more" in message and "validate-config" in message


def test_unknown_rule_in_a_flag_is_a_usage_error(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", APT)
    with pytest.raises(UsageError, match="--ignore: unknown rule 'IK998'"):
        run(dockerfile, ignore=("IK101,IK998",))


def test_hadolint_config_is_read_when_no_imagekit_config(tmp_path: Path) -> None:
    write(
        tmp_path / ".hadolint.yaml",
        """
        ignored: [DL3015, DL3057]
        override:
          error: [DL3009]
        failure-threshold: error
        """,
    )
    dockerfile = write(tmp_path / "Dockerfile", APT)
    result = run(dockerfile)
    assert found(result, dockerfile) == [
        ("IK201", "error", 2),
        ("IK101", "info", 3),
        ("IK201", "error", 3),
    ]
    assert result.failing == 2
    write(tmp_path / ".imagekit.yaml", "lint: {}\n")
    assert ("IK202", "warning", 3) in found(run(dockerfile), dockerfile)


def test_pyproject_table(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "svc"\n\n[tool.imagekit.lint]\nignore = ["IK101", "IK202"]\n',
    )
    dockerfile = write(tmp_path / "Dockerfile", APT)
    assert {f.rule for f in run(dockerfile).findings} == {"IK201"}


def test_resolver() -> None:
    resolve = Resolver({"ACME101": "ACME101", "curl-without-fail": "ACME101"})
    assert resolve("ik201") == "IK201"
    assert resolve("apt-lists-left") == "IK201"
    assert resolve("DL3009") == "IK201"
    assert resolve("DL9999") is None
    assert resolve("SC2086") == "SC2086"
    assert resolve("acme101") == "ACME101"
    assert resolve("curl-without-fail") == "ACME101"
    assert resolve("IK999") is None
    assert resolve("no-such-rule") is None


def test_hadolint_codes_listed_by_two_rules_are_not_mapped() -> None:
    resolve = Resolver()
    owners: dict[str, set[str]] = {}
    for rule in resolve.catalog:
        for code in rule.hadolint:
            owners.setdefault(code, set()).add(rule.id)
    for code, ids in owners.items():
        expected = next(iter(ids)) if len(ids) == 1 else None
        assert resolve(code) == expected, code


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("legacy/**", "legacy/a/Dockerfile", True),
        ("legacy/**", "src/legacy/Dockerfile", False),
        ("legacy/", "legacy/Dockerfile", True),
        ("Dockerfile.dev", "a/b/Dockerfile.dev", True),
        ("*.dev", "a/Dockerfile.dev", True),
        ("services/*/Dockerfile", "services/api/Dockerfile", True),
        ("services/*/Dockerfile", "services/api/v2/Dockerfile", False),
        ("services/**/Dockerfile", "services/api/v2/Dockerfile", True),
        ("services/**/Dockerfile", "services/Dockerfile", True),
        ("Docker?ile", "Dockerfile", True),
        ("./tools/**", "tools/x", True),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert bool(_glob(pattern).match(path)) is expected


def test_check_configs_reports_every_problem(tmp_path: Path) -> None:
    write(tmp_path / ".imagekit.yaml", "lint:\n  ignore: [IK101, bogus-rule]\n  extra: 1\n")
    checked, problems = check_configs([str(tmp_path)])
    assert len(checked) == 1
    assert [(p.line, p.message) for p in problems] == [
        (2, "'lint.ignore': unknown rule 'bogus-rule'"),
        (3, "unknown key 'lint.extra'"),
    ]
    broken = write(tmp_path / "broken.yaml", "lint: [\n")
    _, problems = check_configs([str(broken)])
    assert len(problems) == 1 and "invalid YAML" in problems[0].message


def test_custom_rules_can_be_ignored_by_config_and_comments(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples" / "custom-rules"
    rules = write(tmp_path / "rules" / "ACME101.toml", (examples / "ACME101.toml").read_text())
    write(tmp_path / ".imagekit.yaml", f"lint:\n  rule-dirs: [{rules.parent.name}]\n")
    text = "FROM debian:bookworm-slim\nRUN curl -o /x https://example.com/x\n"
    dockerfile = write(tmp_path / "Dockerfile", text)
    assert "ACME101" in {f.rule for f in run(dockerfile).findings}
    assert "ACME101" not in {
        f.rule for f in run(dockerfile, ignore=("curl-without-fail",)).findings
    }
    write(
        tmp_path / ".imagekit.yaml",
        f"lint:\n  rule-dirs: [{rules.parent.name}]\n  ignore: [ACME101]\n",
    )
    assert "ACME101" not in {f.rule for f in run(dockerfile).findings}
    write(tmp_path / ".imagekit.yaml", f"lint:\n  rule-dirs: [{rules.parent.name}]\n")
    write(tmp_path / "Dockerfile", text.replace("RUN", "# imagekit ignore=ACME101\nRUN"))
    assert "ACME101" not in {f.rule for f in run(dockerfile).findings}


def test_invalid_custom_rule_dir_is_a_config_problem(tmp_path: Path) -> None:
    write(tmp_path / "rules" / "ACME101.toml", "id = 'ACME101'\n")
    write(tmp_path / ".imagekit.yaml", "lint:\n  rule-dirs: [rules]\n  ignore: [ACME101]\n")
    _, problems = check_configs([str(tmp_path)])
    assert problems[0].line == 2
    assert "rule file" in problems[0].message and "ACME101.toml" in problems[0].message


def test_shellcheck_from_config_and_ignored_by_name(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", "FROM debian:bookworm-slim\nRUN echo $1\n")
    assert not any(f.rule.startswith("SC") for f in run(dockerfile).findings)
    write(tmp_path / ".imagekit.yaml", "lint: {shellcheck: true}\n")
    assert "SC2086" in {f.rule for f in run(dockerfile).findings}
    quiet = run(dockerfile, ignore=("shellcheck-sc2086",))
    assert "SC2086" not in {f.rule for f in quiet.findings}
    assert Resolver()("shellcheck-SC2086") == "SC2086"
