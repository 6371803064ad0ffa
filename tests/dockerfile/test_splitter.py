"""The splitter and stage model on hand-written Dockerfiles: spans, directives, heredocs,
flags, exec form, build args in FROM and the shipped stages."""

from __future__ import annotations

import pytest

from imagekit.dockerfile import Dockerfile, Instruction, parse, shipped_stages, stage_lineage


def only(model: Dockerfile, keyword: str) -> Instruction:
    found = [i for i in model.instructions if i.keyword == keyword]
    assert len(found) == 1, found
    return found[0]


def lines_of(model: Dockerfile, instruction: Instruction) -> tuple[int, int]:
    span = model.span(instruction.start, instruction.end)
    return span.line, span.end_line


def position_in_args(model: Dockerfile, instruction: Instruction, needle: str) -> tuple[int, int]:
    """Line and column in the file of ``needle`` inside the instruction's joined arguments."""
    logical = instruction.args_logical
    index = logical.text.index(needle)
    return model.lines.position(logical.source_offset(index))


# Continuations


def test_continuation_lines_are_joined_and_spanned() -> None:
    text = "FROM alpine:3.20\nRUN apk add --no-cache \\\n      curl \\\n  && curl -fsSLO https://x.example/a\nUSER 1000\n"
    model = parse(text)
    run = only(model, "RUN")
    assert run.args == "apk add --no-cache       curl   && curl -fsSLO https://x.example/a"
    assert lines_of(model, run) == (2, 4)
    assert lines_of(model, only(model, "USER")) == (5, 5)


def test_column_of_a_command_on_the_third_line_of_a_run() -> None:
    text = "FROM alpine:3.20\nRUN set -eux; \\\n    apk add --no-cache curl; \\\n      curl -fsSLO https://x.example/a\n"
    model = parse(text)
    run = only(model, "RUN")
    assert position_in_args(model, run, "curl -fsSLO") == (4, 7)
    assert position_in_args(model, run, "apk add") == (3, 5)
    assert position_in_args(model, run, "set") == (2, 5)


def test_comments_inside_a_continuation_are_dropped() -> None:
    text = "FROM alpine:3.20\nRUN echo a \\\n  # why b\n    # and more\n  && echo b\n"
    model = parse(text)
    run = only(model, "RUN")
    assert "#" not in run.args
    assert run.args == "echo a   && echo b"
    assert lines_of(model, run) == (2, 5)
    assert [c.text for c in model.comments] == ["# why b", "# and more"]
    assert position_in_args(model, run, "&& echo b") == (5, 3)


def test_empty_continuation_lines_are_skipped() -> None:
    text = "FROM alpine:3.20\nRUN echo a \\\n\n   \n  b\nUSER 1\n"
    model = parse(text)
    assert [i.keyword for i in model.instructions] == ["FROM", "RUN", "USER"]
    assert only(model, "RUN").args == "echo a   b"
    assert lines_of(model, only(model, "RUN")) == (2, 5)


def test_escaped_escape_at_the_end_of_a_line_does_not_continue() -> None:
    model = parse("FROM alpine:3.20\nRUN echo a\\\\\nRUN echo b\n")
    assert [i.args for i in model.instructions[1:]] == ["echo a\\\\", "echo b"]


def test_spaces_after_the_escape_still_continue() -> None:
    model = parse("FROM alpine:3.20\nRUN echo a \\  \t\n b\n")
    assert only(model, "RUN").args == "echo a  b"


def test_continuation_at_the_end_of_the_file() -> None:
    model = parse("FROM alpine:3.20\nRUN echo a \\")
    assert only(model, "RUN").args == "echo a "
    assert not model.problems


# Directives


def test_escape_directive_backtick() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    Write-Host hi; `\n    Write-Host C:\\dir\\\nUSER ContainerUser\n"
    model = parse(text)
    assert model.escape == "`"
    assert model.directives == {"escape": "`"}
    run = only(model, "RUN")
    assert run.args == "powershell -Command     Write-Host hi;     Write-Host C:\\dir\\"
    assert lines_of(model, run) == (3, 5)
    assert only(model, "USER").args == "ContainerUser"


def test_backslash_does_not_continue_with_backtick_escape() -> None:
    model = parse("# escape=`\nFROM a\nRUN echo \\\nRUN b\n")
    assert [i.keyword for i in model.instructions] == ["FROM", "RUN", "RUN"]


def test_syntax_and_escape_directives_together() -> None:
    model = parse("# syntax=docker/dockerfile:1.7\n#ESCAPE = `\nFROM a\n")
    assert model.directives == {"syntax": "docker/dockerfile:1.7", "escape": "`"}
    assert model.escape == "`"
    assert model.comments == ()


@pytest.mark.parametrize(
    "text",
    [
        "FROM a\n# escape=`\nRUN echo \\\n b\n",  # after an instruction
        "# a comment\n# escape=`\nFROM a\nRUN echo \\\n b\n",  # after a comment
        "\n# escape=`\nFROM a\nRUN echo \\\n b\n",  # after an empty line
        "# unknown=1\n# escape=`\nFROM a\nRUN echo \\\n b\n",  # after an unknown directive
    ],
)
def test_directives_only_at_the_top(text: str) -> None:
    model = parse(text)
    assert model.escape == "\\"
    assert "escape" not in model.directives
    assert "# escape=`" in [c.text for c in model.comments]
    assert only(model, "RUN").args == "echo  b"


def test_invalid_and_repeated_directives_are_problems() -> None:
    assert "invalid escape directive" in parse("# escape=x\nFROM a\n").problems[0].message
    repeated = parse("# escape=`\n# escape=\\\nFROM a\n").problems
    assert [p.message for p in repeated] == ["only one escape parser directive can be used"]


def test_empty_directive_value_is_a_comment() -> None:
    model = parse("# escape=\nFROM a\n")
    assert model.directives == {}
    assert not model.problems


# Line endings


def test_crlf_line_endings() -> None:
    text = "FROM alpine:3.20\r\nRUN echo a \\\r\n  && echo b\r\nUSER 1\r\n"
    model = parse(text)
    run = only(model, "RUN")
    assert run.args == "echo a   && echo b"
    assert "\r" not in run.line.text
    assert lines_of(model, run) == (2, 3)
    assert position_in_args(model, run, "&& echo b") == (3, 3)
    assert only(model, "USER").args == "1"


def test_crlf_heredoc_body_is_kept_verbatim() -> None:
    text = "FROM a\r\nRUN <<EOF\r\necho a\r\necho b\r\nEOF\r\nUSER 1\r\n"
    model = parse(text)
    doc = only(model, "RUN").heredocs[0]
    assert doc.body == "echo a\r\necho b\r\n"
    assert text[doc.body_start : doc.body_start + len(doc.body)] == doc.body
    assert only(model, "USER").args == "1"


# Heredocs


def test_run_heredoc() -> None:
    text = "FROM a\nRUN <<EOF\nset -eux\napk add curl\nEOF\nUSER 1\n"
    model = parse(text)
    run = only(model, "RUN")
    (doc,) = run.heredocs
    assert (doc.name, doc.body, doc.quoted, doc.strip_tabs) == (
        "EOF",
        "set -eux\napk add curl\n",
        False,
        False,
    )
    assert model.lines.position(doc.body_start) == (3, 1)
    assert lines_of(model, run) == (2, 5)
    assert lines_of(model, only(model, "USER")) == (6, 6)


def test_heredoc_with_dash_and_tabs() -> None:
    text = "FROM a\nRUN <<-EOF\n\techo a\n\t\tEOF\nUSER 1\n"
    model = parse(text)
    (doc,) = only(model, "RUN").heredocs
    assert doc.strip_tabs
    assert doc.body == "\techo a\n"
    assert [i.keyword for i in model.instructions] == ["FROM", "RUN", "USER"]


def test_heredoc_terminator_with_tabs_needs_dash() -> None:
    model = parse("FROM a\nRUN <<EOF\n\tEOF\nEOF\n")
    assert only(model, "RUN").heredocs[0].body == "\tEOF\n"


@pytest.mark.parametrize("word", ["<<'EOF'", '<<"EOF"', "<<E'O'F", "<<\\EOF"])
def test_quoted_heredoc_names(word: str) -> None:
    model = parse(f"FROM a\nRUN {word}\necho $HOME\nEOF\n")
    (doc,) = only(model, "RUN").heredocs
    assert doc.name == "EOF"
    assert doc.body == "echo $HOME\n"
    assert doc.quoted == ("'" in word or '"' in word)


def test_several_heredocs_on_one_line() -> None:
    text = "FROM a\nCOPY <<A /a <<B /b\nalpha\nA\nbeta\ngamma\nB\nUSER 1\n"
    model = parse(text)
    copy = only(model, "COPY")
    assert [(d.name, d.body) for d in copy.heredocs] == [("A", "alpha\n"), ("B", "beta\ngamma\n")]
    assert model.lines.position(copy.heredocs[1].body_start) == (5, 1)
    assert lines_of(model, copy) == (2, 7)


def test_heredoc_after_a_command() -> None:
    model = parse("FROM a\nRUN cat <<EOF > /x\nhello\nEOF\n")
    run = only(model, "RUN")
    assert run.args == "cat <<EOF > /x"
    assert [(d.name, d.body) for d in run.heredocs] == [("EOF", "hello\n")]


@pytest.mark.parametrize(
    "line",
    [
        "RUN echo '<<EOF'",  # quoted
        "RUN cat << EOF",  # a space: not a Dockerfile heredoc
        'RUN ["cat", "<<EOF"]',  # exec form
        "ENV A=<<EOF",  # not RUN, COPY or ADD
        "RUN echo it's <<EOF",  # unterminated quote: BuildKit finds none
    ],
)
def test_no_heredoc(line: str) -> None:
    model = parse(f"FROM a\n{line}\nUSER 1\n")
    assert [i.keyword for i in model.instructions] == ["FROM", line.split()[0], "USER"]
    assert all(not i.heredocs for i in model.instructions)


def test_heredoc_in_onbuild() -> None:
    model = parse("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nUSER 1\n")
    assert [i.keyword for i in model.instructions] == ["FROM", "ONBUILD", "USER"]
    assert only(model, "ONBUILD").heredocs[0].body == "echo hi\n"


def test_unterminated_heredoc_is_a_problem() -> None:
    model = parse("FROM a\nRUN <<EOF\necho hi\n")
    assert [p.message for p in model.problems] == [
        "unterminated heredoc <<EOF: no line 'EOF' closes it"
    ]
    assert model.lines.position(model.problems[0].start) == (2, 1)


# Flags


def test_run_mount_flag() -> None:
    model = parse("FROM a\nRUN --mount=type=cache,target=/root/.cache/pip pip install x\n")
    run = only(model, "RUN")
    assert [(f.name, f.value) for f in run.flags] == [
        ("mount", "type=cache,target=/root/.cache/pip")
    ]
    assert run.args == "pip install x"
    assert model.lines.position(run.flags[0].start) == (2, 5)


def test_several_flags_across_lines() -> None:
    text = "FROM a\nRUN --mount=type=cache,target=/var/cache/apt \\\n    --mount=type=secret,id=tok \\\n    --network=none \\\n    make\n"
    model = parse(text)
    run = only(model, "RUN")
    assert run.flag_values("mount") == ("type=cache,target=/var/cache/apt", "type=secret,id=tok")
    assert run.flag_values("network") == ("none",)
    assert run.args == "make"
    assert model.lines.position(run.flags[2].start) == (4, 5)


def test_flag_quoting_as_buildkit_reads_it() -> None:
    model = parse(
        'FROM a\nRUN --mount=type=cache,target="/a b",id=x --mount=type=tmpfs,target=/c\\ d echo\n'
    )
    assert only(model, "RUN").flag_values("mount") == (
        "type=cache,target=/a b,id=x",
        "type=tmpfs,target=/c d",
    )


def test_double_dash_ends_the_flags() -> None:
    run = only(parse("FROM a\nRUN --network=none -- --not-a-flag\n"), "RUN")
    assert [f.name for f in run.flags] == ["network"]
    assert run.args == "--not-a-flag"


def test_flag_without_value() -> None:
    copy = only(parse("FROM a\nCOPY --link src dst\n"), "COPY")
    assert [(f.name, f.value) for f in copy.flags] == [("link", None)]
    assert copy.args == "src dst"


def test_from_platform() -> None:
    model = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n")
    stage = model.stages[0]
    assert stage.platform == "$BUILDPLATFORM"
    assert (stage.base, stage.name) == ("golang:1.22", "build")


# Exec form


def test_exec_form() -> None:
    model = parse(
        'FROM a\nRUN ["apk", "add", "curl"]\nCMD [ "/app", "--port=8080" ]\nENTRYPOINT /app\n'
    )
    assert [i.exec_form for i in model.instructions] == [
        None,
        ("apk", "add", "curl"),
        ("/app", "--port=8080"),
        None,
    ]


def test_exec_form_over_continuation_lines() -> None:
    run = only(parse('FROM a\nRUN ["sh", \\\n     "-c", "echo hi"]\n'), "RUN")
    assert run.exec_form == ("sh", "-c", "echo hi")


def test_broken_json_is_shell_form() -> None:
    run = only(parse('FROM a\nRUN ["echo", "a"\n'), "RUN")
    assert run.exec_form is None
    assert run.args == '["echo", "a"'


def test_json_array_of_non_strings_is_a_problem() -> None:
    model = parse("FROM a\nRUN [1, 2]\n")
    assert [p.message for p in model.problems] == ["a JSON array form must hold strings only"]


# Stages


def test_named_stages_and_parents() -> None:
    model = parse(
        "FROM golang:1.22 AS Build\nRUN go build\nFROM build AS test\nFROM scratch\nCOPY --from=build /app /app\n"
    )
    names = [
        (s.index, s.name, s.parent, s.image.short_name if s.image else None) for s in model.stages
    ]
    assert names == [(0, "Build", None, "golang"), (1, "test", 0, None), (2, None, None, None)]
    assert model.stages[2].is_scratch
    assert [i.keyword for i in model.stages[0].instructions] == ["RUN"]
    assert model.stage_named("BUILD") is model.stages[0]


def test_arg_default_resolved_in_from() -> None:
    model = parse(
        "ARG V=3.12\nARG REG=ghcr.io/acme\nFROM python:${V}-slim\nFROM $REG/tool:${TAG:-1.0}\n"
    )
    first, second = model.stages
    assert (first.base, first.base_resolved) == ("python:3.12-slim", True)
    assert first.image is not None and (first.image.repository, first.image.tag) == (
        "python",
        "3.12-slim",
    )
    assert second.base == "ghcr.io/acme/tool:1.0"
    assert second.image is not None and second.image.registry == "ghcr.io"
    assert model.global_args == {"V": "3.12", "REG": "ghcr.io/acme"}


def test_arg_without_default_leaves_from_unresolved() -> None:
    stage = parse("ARG BASE\nFROM ${BASE}\n").stages[0]
    assert not stage.base_resolved


SHIPPING = """\
FROM golang:1.22 AS build
RUN go build -o /out/app .
FROM alpine:3.20 AS base
RUN apk add --no-cache tzdata
FROM base AS runtime
COPY --from=build /out/app /app
FROM runtime AS debug
RUN apk add --no-cache strace
FROM runtime AS release
"""


def test_shipped_stages_are_the_last_stage_and_its_from_ancestors() -> None:
    model = parse(SHIPPING)
    assert [s.name for s in shipped_stages(model)] == ["base", "runtime", "release"]
    assert "build" not in [s.name for s in shipped_stages(model)]  # only COPY --from


def test_target_changes_the_shipped_stages() -> None:
    model = parse(SHIPPING)
    assert [s.name for s in shipped_stages(model, "debug")] == ["base", "runtime", "debug"]
    assert [s.name for s in shipped_stages(model, "build")] == ["build"]
    assert shipped_stages(model, "missing") == ()


def test_lineage() -> None:
    model = parse(SHIPPING)
    assert [s.name for s in stage_lineage(model, model.stages[3])] == ["base", "runtime", "debug"]


def test_instruction_before_from_is_a_problem() -> None:
    model = parse("RUN echo\nFROM a\n")
    assert [p.message for p in model.problems] == [
        "RUN before the first FROM: only ARG may come before FROM"
    ]


def test_keywords_are_case_insensitive() -> None:
    model = parse("from alpine AS a\nrun echo\nCopy --from=a x y\n")
    assert [i.keyword for i in model.instructions] == ["FROM", "RUN", "COPY"]
    assert not model.problems
