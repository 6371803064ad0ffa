"""Generated Dockerfiles and shell bodies through the parser, the shell layer and the whole
linter: no exception, and every position reported lies inside the file."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagekit.dockerfile import Dockerfile, parse
from imagekit.dockerfile.shell import ShellParser
from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Finding

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SHELL = ShellParser()
_LINTER = Linter(LintOptions())

INSTRUCTIONS = [
    "FROM debian:bookworm-slim",
    "FROM golang:1.22 AS build",
    "FROM scratch",
    "FROM --platform=$BUILDPLATFORM alpine:3.20 AS s",
    "FROM build",
    "ARG VERSION=1.0",
    "ARG BASE",
    "FROM ${BASE}",
    "RUN apt-get update && apt-get install -y curl",
    "RUN --mount=type=cache,target=/var/cache/apt apt-get install -y --no-install-recommends git",
    "RUN rm -rf /var/lib/apt/lists/*",
    "RUN curl -fsSL https://example.com/x | sh",
    "RUN pip install -r requirements.txt",
    'RUN ["sh", "-c", "echo hi"]',
    "RUN sh -c 'apk add --no-cache curl'",
    "COPY --from=build /out/app /app",
    "COPY . /src",
    "ADD https://example.com/a.tgz /a.tgz",
    "ADD rootfs.tar.gz /",
    "ENV PATH=/usr/local/bin:$PATH A=1",
    "ENV SSL_CERT_FILE=/etc/ssl/cert.pem",
    "WORKDIR /app",
    "USER 65534",
    'CMD ["/app"]',
    "ENTRYPOINT /app",
    'SHELL ["pwsh", "-Command"]',
    'SHELL ["/bin/bash", "-c"]',
    "HEALTHCHECK CMD curl -f http://localhost/",
    "ONBUILD RUN echo",
    "LABEL a=b",
    "EXPOSE 80",
    "VOLUME /data",
]
MARKERS = [
    "RUN <<EOF",
    "RUN cat <<EOF > /x",
    "RUN <<-EOF",
    "RUN bash <<'EOF'",
    "COPY <<A /a <<B /b",
    "EOF",
    "\tEOF",
    "A",
    "B",
    "# escape=`",
    "# syntax=docker/dockerfile:1",
    "# a comment",
    "",
    "   ",
    "\\",
    "`",
]
SHELL_TOKENS = [
    "apt-get", "install", "-y", "update", "rm", "-rf", "/var/lib/apt/lists/*", "curl",
    "https://x.example/a", "git", "clone", "sh", "bash", "-c", "-ec", "&&", "||", ";", "|",
    "&", "(", ")", "{", "}", "$(", "`", "'", '"', "\\", "if", "then", "else", "fi", "case",
    "in", "esac", ";;", "for", "do", "done", "<<EOF", "<<-X", "EOF", ">", "2>&1", "$((",
    "))", "[[", "]]", "A=1", "env", "sudo", "xargs", "$HOME", "${X:-y}", "#", "\n",
]  # fmt: skip

dockerfile_lines = st.one_of(
    st.sampled_from(INSTRUCTIONS),
    st.sampled_from(MARKERS),
    st.sampled_from(INSTRUCTIONS).map(lambda line: line + " \\"),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
dockerfiles = st.tuples(
    st.lists(dockerfile_lines, max_size=25),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
).map(lambda t: t[1].join(t[0]) + (t[1] if t[2] else ""))

shell_bodies = st.lists(
    st.one_of(st.sampled_from(SHELL_TOKENS), st.text(max_size=8)), max_size=30
).map(" ".join)


def assert_inside(text: str, findings: list[Finding]) -> None:
    lines = text.split("\n")
    for finding in findings:
        assert 1 <= finding.line <= len(lines), finding
        assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1, finding
        assert finding.line <= finding.end_line <= len(lines), finding
        assert 1 <= finding.end_column <= len(lines[finding.end_line - 1]) + 1, finding
        assert (finding.end_line, finding.end_column) >= (finding.line, finding.column), finding


def assert_model_inside(model: Dockerfile) -> None:
    size = len(model.text)
    for problem in model.problems:
        assert 0 <= problem.start <= size and 0 <= problem.end <= size
    for instruction in model.instructions:
        assert 0 <= instruction.start <= instruction.end <= size
        for flag in instruction.flags:
            assert instruction.start <= flag.start <= flag.end <= instruction.end
        for doc in instruction.heredocs:
            assert model.text[doc.body_start : doc.body_start + len(doc.body)] == doc.body


@FUZZ
@given(dockerfiles)
def test_generated_dockerfiles(text: str) -> None:
    model = parse(text)
    assert_model_inside(model)
    for instruction in model.instructions:
        if instruction.keyword == "RUN":
            for command in _SHELL.script(instruction).commands:
                assert 0 <= command.start <= command.end <= len(text)
                for word in command.args:
                    assert 0 <= word.start <= word.end <= len(text)
    assert_inside(text, _LINTER.lint_text(text))


@FUZZ
@given(shell_bodies, st.sampled_from(["debian:bookworm-slim", "scratch", "busybox"]))
def test_generated_shell_bodies(body: str, base: str) -> None:
    script = _SHELL.parse_text(body)
    for command in script.commands:
        assert 0 <= command.start <= command.end <= len(body)
    continued = body.replace("\n", " \\\n")
    for text in (
        f"FROM {base}\nRUN {continued}\n",
        f"FROM {base}\nRUN <<EOF\n{body}\nEOF\n",
        f"FROM {base}\nRUN sh -c '{continued}'\n",
    ):
        model = parse(text)
        assert_model_inside(model)
        assert_inside(text, _LINTER.lint_text(text))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_generated_bytes(data: bytes) -> None:
    findings = _LINTER.lint_bytes(data, "Dockerfile", None)
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    assert_inside(text, findings)
