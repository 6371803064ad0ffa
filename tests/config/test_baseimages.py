"""baseimages/*.yaml: the schema with lines, the set's problems, imagekit validate-config, and
the Dockerfile imagekit writes for a package list (which passes imagekit lint)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from imagekit.build.basedef import BaseDefinition, generated_dockerfile, input_hash
from imagekit.cli import cli
from imagekit.config.baseimages import check_paths, read_base
from imagekit.lint.engine import Linter, LintOptions

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path) -> list[str]:
    _, problems = check_paths([str(tmp_path / "baseimages")])
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in problems]


def test_each_problem_has_its_line(tmp_path: Path) -> None:
    write(
        tmp_path / "baseimages" / "web.yaml",
        "version: '1'\n"
        "parent: {root: alpine}\n"
        "packages: [curl, 'two words']\n"
        "files:\n"
        "  - {src: nothere.conf, dest: /etc/x.conf}\n"
        "  - {src: web.yaml, dest: /etc/y, mode: 0644}\n"
        "tags: ['{version}']\n"
        "colour: blue\n",
    )
    assert problems_of(tmp_path) == [
        "web.yaml:2: 'parent.root' must be one of busybox, debian, runtime; got 'alpine'",
        "web.yaml:3: 'packages[1]': 'two words' is not valid here",
        "web.yaml:5: 'files[0].src': no such file 'nothere.conf'",
        "web.yaml:6: 'files[1].mode' must be a quoted octal string such as \"0644\" (YAML reads "
        "a bare 0644 as the number 420); got 420",
        "web.yaml:7: 'tags[0]' must carry the content hash: put {hash} in it",
        "web.yaml:8: unknown key 'colour' (known: build-args, ca-certificates, cmd, context, "
        "dockerfile, env, files, labels, manager, name, packages, parent, repository, tags, "
        "target, user, version, workdir)",
    ]


def test_problems_of_the_set(tmp_path: Path) -> None:
    write(tmp_path / "baseimages" / "a.yaml", "version: '1'\nparent: {base: b}\n")
    write(tmp_path / "baseimages" / "b.yaml", "version: '1'\nparent: {base: a}\n")
    write(tmp_path / "baseimages" / "c.yaml", "name: a\nversion: '1'\nparent: {base: zed}\n")
    write(
        tmp_path / "baseimages" / "d.yaml", "version: '1'\ndockerfile: Dockerfile\npackages: [x]\n"
    )
    assert problems_of(tmp_path) == [
        "a.yaml:2: parents go round in a cycle: a -> b -> a",
        "b.yaml:2: parents go round in a cycle: b -> a -> b",
        "c.yaml:1: base 'a' is also defined in " + str(tmp_path / "baseimages" / "a.yaml"),
        "d.yaml:2: 'dockerfile': no such file 'Dockerfile'",
        "d.yaml:3: 'packages' does not go with 'dockerfile': a base has packages or a "
        "Dockerfile of its own, not both",
    ]


def test_validate_config_checks_the_definitions_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".imagekit.yaml", "lint:\n  failure-threshold: error\n")
    write(tmp_path / "baseimages" / "ok.yaml", "version: '1'\nparent: debian:bookworm-slim\n")
    result = CliRunner().invoke(cli, ["validate-config", "--format", "json"])
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout) == {
        "files": [".imagekit.yaml", "baseimages/ok.yaml"],
        "problems": [],
    }
    write(tmp_path / "baseimages" / "bad.yaml", "version: [1]\n")
    result = CliRunner().invoke(cli, ["validate-config", "baseimages"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "baseimages/bad.yaml:1: 'version' must be a non-empty string; got [1]",
        "baseimages/bad.yaml:1: a base made from packages needs a 'parent'",
        "baseimages/ok.yaml: ok",
    ]


def test_the_shipped_definitions_are_valid() -> None:
    checked, problems = check_paths([str(ROOT / "baseimages")])
    assert problems == []
    assert sorted(Path(p).name for p in checked) == ["debian.yaml", "go.yaml", "python.yaml"]


@pytest.mark.parametrize("name", ["debian", "python", "go"])
def test_the_generated_dockerfiles_pass_lint(name: str) -> None:
    data, _ = read_base(str(ROOT / "baseimages" / f"{name}.yaml"))
    assert data is not None
    definition = BaseDefinition.from_mapping(data)
    text = generated_dockerfile(definition, "base/debian:12-0123456789ab")
    assert text.count("RUN ") == 1 and "--no-install-recommends ca-certificates" in text
    assert "rm -rf /var/lib/apt/lists/*" in text
    assert Linter(LintOptions()).lint_text(text) == []


def test_the_input_hash_follows_the_inputs(tmp_path: Path) -> None:
    write(tmp_path / "baseimages" / "f.txt", "one\n")
    path = write(
        tmp_path / "baseimages" / "x.yaml",
        "version: '1'\nparent: busybox:1.35\nfiles: [{src: f.txt, dest: /f}]\n",
    )
    data, problems = read_base(str(path))
    assert problems == [] and data is not None
    definition = BaseDefinition.from_mapping(data)
    first = input_hash(definition, "FROM x\n", "sha256:aa")
    assert input_hash(definition, "FROM x\n", "sha256:aa") == first
    assert input_hash(definition, "FROM x\n", "sha256:bb") != first
    write(tmp_path / "baseimages" / "f.txt", "two\n")
    assert input_hash(definition, "FROM x\n", "sha256:aa") != first
    assert definition.render_tags(first) == (f"1-{first[7:19]}", "1")
