"""Image references: the grammar, Docker Hub's short forms, and the str() round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagekit.errors import UsageError
from imagekit.oci.digest import Digest
from imagekit.registry.reference import Reference, parse

DIGEST = Digest("sha256", "ab" * 32)


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("busybox", "docker.io", "library/busybox", "latest", None),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", None),
        ("team/app", "docker.io", "team/app", "latest", None),
        ("docker.io/busybox", "docker.io", "library/busybox", "latest", None),
        ("index.docker.io/team/app:v1", "docker.io", "team/app", "v1", None),
        ("localhost/app", "localhost", "app", "latest", None),
        ("localhost:5000/a/b/c:x_y.z-1", "localhost:5000", "a/b/c", "x_y.z-1", None),
        ("127.0.0.1:5555/repo:tag", "127.0.0.1:5555", "repo", "tag", None),
        ("registry.example.com/ns/app", "registry.example.com", "ns/app", "latest", None),
        ("[::1]:5000/app:1", "[::1]:5000", "app", "1", None),
        (f"registry.example.com/app@{DIGEST}", "registry.example.com", "app", "", DIGEST),
        (f"registry.example.com/app:v2@{DIGEST}", "registry.example.com", "app", "v2", DIGEST),
        ("a.b/c__d/e--f/g.h_i:T", "a.b", "c__d/e--f/g.h_i", "T", None),
        # The first component names a host only with '.', ':' or 'localhost'.
        ("myhost/app", "docker.io", "myhost/app", "latest", None),
        ("app:5000", "docker.io", "library/app", "5000", None),
    ],
)
def test_parse(text: str, registry: str, repository: str, tag: str, digest: Digest | None) -> None:
    ref = parse(text)
    assert ref == Reference(registry, repository, tag, digest)
    assert parse(str(ref)) == ref


def test_canonical_text_and_identifier() -> None:
    assert str(parse("busybox")) == "docker.io/library/busybox:latest"
    assert parse("busybox").identifier == "latest"
    ref = parse(f"example.com/app:v1@{DIGEST}")
    assert ref.identifier == str(DIGEST)
    assert ref.name == "example.com/app"
    assert str(ref) == f"example.com/app:v1@{DIGEST}"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "empty"),
        (" busybox", "spaces"),
        ("Busybox", "component 'Busybox'"),
        ("example.com/App/x", "component 'App'"),
        ("example.com/a//b", "component ''"),
        ("example.com/a-/b", "component 'a-'"),
        ("example.com/_a", "component '_a'"),
        ("example.com/a...b", "component 'a...b'"),
        ("example.com/", "component ''"),
        ("app:", "tag ''"),
        ("app:-x", "tag '-x'"),
        ("app:" + "t" * 129, "tag"),
        ("app@sha256:abc", "malformed sha256"),
        ("app@md5:" + "0" * 32, "unsupported digest algorithm"),
        ("-bad.example.com/app", "bad registry host"),
        ("host_name.example.com:5000/app", "bad registry host"),
        ("example.com:port/app", "bad registry host"),
        ("example.com/" + "a" * 256, "longer than 255"),
    ],
)
def test_invalid(text: str, complaint: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert complaint in caught.value.message
    assert repr(text)[:20] in caught.value.message or not text


_alnum = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
_separator = st.sampled_from([".", "_", "__", "-", "--"])
_component = st.builds(
    lambda first, rest: first + "".join(s + p for s, p in rest),
    _alnum,
    st.lists(st.tuples(_separator, _alnum), max_size=3),
)
_host_label = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?", fullmatch=True)
_host = st.one_of(
    st.just("localhost"),
    st.builds(lambda a, b: f"{a}.{b}", _host_label, _host_label),
    st.builds(lambda h, p: f"{h}:{p}", _host_label, st.integers(1, 65535)),
)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_digest = st.builds(lambda b: Digest("sha256", b.hex()), st.binary(min_size=32, max_size=32))


@given(
    host=_host,
    path=st.lists(_component, min_size=1, max_size=4),
    tag=st.one_of(st.just(""), _tag),
    digest=st.one_of(st.none(), _digest),
)
def test_round_trip(host: str, path: list[str], tag: str, digest: Digest | None) -> None:
    repository = "/".join(path)
    text = f"{host}/{repository}" + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
    ref = parse(text)
    assert ref.registry == host
    assert ref.repository == repository
    assert ref.digest == digest
    assert ref.tag == (tag or ("" if digest else "latest"))
    assert parse(str(ref)) == ref
    if tag or digest:
        assert str(ref) == text


@given(first=_component, rest=st.lists(_component, max_size=2), tag=_tag)
def test_hub_short_forms(first: str, rest: list[str], tag: str) -> None:
    # A first component with a '.' names a registry host unless it is the only one.
    if rest:
        first = first.replace(".", "_")
    repository = "/".join([first, *rest])
    ref = parse(f"{repository}:{tag}")
    assert ref.registry == "docker.io"
    expected = repository if "/" in repository else f"library/{repository}"
    assert ref.repository == expected
    assert ref.tag == tag


@given(st.text(max_size=40))
def test_anything_parses_or_is_a_usage_error(text: str) -> None:
    try:
        ref = parse(text)
    except UsageError:
        return
    assert parse(str(ref)) == ref
