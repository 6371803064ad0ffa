"""Check modules are loaded only for files that hold what they look at (LOOKS_AT), and the
findings are those of running every check."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagekit.catalog import load_catalog
from imagekit.dockerfile import parse
from imagekit.lint.checks import (
    LOOKS_AT,
    MODULES,
    NAMES,
    OFF_BY_DEFAULT,
    holds,
    looked_at,
    rule_of,
    wanted,
)
from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Finding

ROOT = Path(__file__).resolve().parent.parent.parent
CHECKS = ROOT / "imagekit" / "lint" / "checks"
OPTIONS = LintOptions(enable=frozenset({"ALL"}), trusted_registries=("registry.example.com",))
LAZY = Linter(OPTIONS)
EVERY = Linter(OPTIONS, every_check=True)


def same_findings(text: str, directory: Path | None = None) -> list[Finding]:
    lazy = LAZY.lint_text(text, "Dockerfile", directory)
    assert lazy == EVERY.lint_text(text, "Dockerfile", directory), text
    return lazy


def test_every_check_module_is_listed_with_its_words() -> None:
    files = sorted(p.stem for p in CHECKS.glob("ik*.py"))
    assert sorted(NAMES) == files
    assert list(NAMES) == sorted(NAMES)  # they run in rule order
    for name, words in LOOKS_AT.items():
        assert all(w and w == w.lower() for w in words), name


def test_module_facts_agree_with_the_modules() -> None:
    assert [m.RULE for m in MODULES] == [rule_of(n) for n in NAMES]
    assert {m.RULE for m in MODULES if getattr(m, "OFF_BY_DEFAULT", False)} == OFF_BY_DEFAULT


def test_looked_at_text_is_unquoted_lower_case_with_heredocs_and_exec_words() -> None:
    dockerfile = parse(
        "FROM Debian\nRUN a\"pt-get\" \\\n  inst'all' \\\n  # a comment\n  cu\\rl\n"
        'RUN ["/usr/bin/PIP", "install"]\nRUN <<EOF\nYarn add x\nEOF\n',
        "Dockerfile",
    )
    text = looked_at(dockerfile)
    assert "from debian" in text
    assert "run apt-get   install" in text  # continuations joined, quotes and \\ gone
    assert "curl" in text and "a comment" not in text
    assert "/usr/bin/pip" in text and "yarn add x" in text
    assert wanted(["ik201_apt_lists_left", "ik206_build_tool_cache_left"], text) == [
        "ik201_apt_lists_left"
    ]
    assert "ik402_unpinned_base_tag" in wanted(NAMES, "")  # no words: always runs


def test_a_word_that_starts_with_a_letter_counts_where_a_name_starts() -> None:
    assert holds("run rm -rf /x", "rm") and holds("find / -exec /bin/rm {} ;", "rm")
    assert holds("x&&rm y", "rm") and holds("$(rm -f x)", "rm") and holds("rmdir x", "rm")
    assert not holds("run make -f form.mk arm64", "rm")
    assert holds("a|b", "|") and holds("x--from=build", "--from")
    # backquotes start a command: echo`rm x` holds rm
    assert holds(looked_at(parse("FROM a\nRUN echo`rm x`\n", "Dockerfile")), "rm")


def test_the_catalogue_examples_give_the_same_findings(tmp_path: Path) -> None:
    for rule in load_catalog():
        same_findings(rule.bad, tmp_path)
        same_findings(rule.good, tmp_path)


def test_the_example_dockerfiles_give_the_same_findings() -> None:
    found = list((ROOT / "examples").rglob("Dockerfile*"))
    assert found
    for path in found:
        same_findings(path.read_text(encoding="utf-8"), path.parent)


def test_the_benchmark_corpus_gives_the_same_findings(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from dockerfile_corpus import DEFAULT_SEED, write_corpus
    finally:
        sys.path.remove(str(ROOT / "bench"))
    rules: set[str] = set()
    for generated in write_corpus(tmp_path, 300, DEFAULT_SEED):
        path = tmp_path / generated.relpath
        rules.update(f.rule for f in same_findings(path.read_text(encoding="utf-8"), path.parent))
    assert len(rules) >= 15  # the corpus exercises many checks


#: Lines the generated Dockerfiles are made of: the commands, options and instructions the
#: checks look at, and their neighbours.
LINES = [
    "FROM debian:bookworm-slim",
    "FROM busybox AS b",
    "FROM scratch",
    "FROM --platform=linux/amd64 alpine:3.20 AS build",
    "FROM python:3.12",
    "FROM b",
    "ARG TOKEN=x",
    "ENV PIP_NO_CACHE_DIR=1 A=$A:1",
    "ENV NODE_TLS_REJECT_UNAUTHORIZED=0",
    "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "RUN apt install git",
    "RUN apt-get upgrade -y",
    "RUN apk add curl",
    "RUN apk update && apk add --no-cache git",
    "RUN pip install flask",
    "RUN python -m pip install --trusted-host x.org requests==2",
    "RUN npm install && npm cache clean --force",
    "RUN yarn add left-pad",
    "RUN dnf install -y make && dnf clean all",
    "RUN yum install git",
    "RUN zypper install curl",
    "RUN go build ./... && go clean -cache",
    "RUN ./gradlew build",
    "RUN mvn package",
    "RUN curl -k https://example.com/x -o /tmp/x.tgz && tar -xzf /tmp/x.tgz -C /opt",
    "RUN wget https://example.com/y && wget -q https://example.com/z",
    "RUN git -c http.sslVerify=false clone https://example.com/r.git /src",
    'RUN echo "Acquire::AllowInsecureRepositories true;" > /etc/apt/apt.conf.d/x',
    "RUN cd /src && make && rm -rf /src",
    "RUN chown -R app:app /app && chmod -R 755 /app",
    "RUN sudo ls | grep x",
    "RUN useradd -u 100000 app",
    "RUN ln -sf /bin/bash /bin/sh",
    "RUN service nginx start",
    "RUN find /tmp -delete",
    "RUN find / -name x -exec /bin/rm {} +",
    "RUN python3 -mpip install flask",
    "RUN microdnf install -y git",
    "RUN dnf --nogpgcheck install x",
    "RUN yarn config set enableStrictSsl false",
    "RUN npm cache clear --force && pip cache remove x && apk cache purge",
    "COPY x.tar /x.tar",
    "RUN bsdtar -xf /x.tar",
    "RUN echo`rm -rf /tmp/x`",
    'RUN a"pt-get" install -y curl',
    "COPY . .",
    "COPY app.tar.gz /tmp/",
    "RUN tar -xf /tmp/app.tar.gz",
    "COPY --from=build /out/app /usr/local/bin/app",
    "COPY --from=missing /x /x",
    "COPY a b c",
    "ADD local.txt /",
    "WORKDIR app",
    "USER root",
    "MAINTAINER someone",
    "LABEL Bad_Key=1",
    "EXPOSE 99999",
    "HEALTHCHECK CMD true",
    "HEALTHCHECK CMD false",
    "CMD run",
    'CMD ["run"]',
    "ENTRYPOINT app",
    "RUN <<EOF\nsslverify=0\nEOF",
    "COPY <<EOF /etc/yum.repos.d/x.repo\n[x]\ngpgcheck=0\nEOF",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=12))
def test_generated_dockerfiles_give_the_same_findings(lines: list[str]) -> None:
    same_findings("\n".join(lines) + "\n")


def test_shuffled_examples_give_the_same_findings() -> None:
    """Instructions of the catalogue's examples, mixed: checks meet each other's input."""
    pool = [
        line
        for rule in load_catalog()
        for line in (rule.bad + rule.good).splitlines()
        if line and not line.startswith(("#", " ", "\t")) and not line.endswith("\\")
    ]
    chooser = random.Random(11)
    for _ in range(200):
        same_findings("\n".join(chooser.sample(pool, 8)) + "\n")


def test_a_file_loads_only_the_checks_it_needs(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:bookworm\nRUN apt-get install make\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from imagekit.cli import main\n"
        f"status = main(['lint', {str(dockerfile)!r}])\n"
        "print(' '.join(m for m in sys.modules if m.startswith('imagekit.lint.checks.')), "
        "file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "IK201" in done.stdout and "IK202" in done.stdout
    loaded = set(done.stderr.split())
    assert "imagekit.lint.checks.ik201_apt_lists_left" in loaded
    for unneeded in ("ik204_pip_cache_left", "ik303_certificate_verification_disabled"):
        assert f"imagekit.lint.checks.{unneeded}" not in loaded
    assert len(loaded) < len(NAMES) // 2


def test_ik303_words_cover_what_insecure_looks_for() -> None:
    from imagekit.lint import insecure

    words = LOOKS_AT["ik303_certificate_verification_disabled"]
    assert set(insecure._CONFIG_KEYS) <= set(words)
    assert {name.lower() for name in insecure.ENV_SWITCHES} <= set(words)
