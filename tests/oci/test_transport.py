"""Image source specs: skopeo's transport syntax, and opening what they name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagekit.errors import UsageError
from imagekit.oci.manifest import Platform
from imagekit.oci.transport import FORMS, Spec, open_image, parse_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", Spec("docker-daemon", "busybox")),
        ("busybox:1.36", Spec("docker-daemon", "busybox:1.36")),
        ("docker-daemon:app:v2", Spec("docker-daemon", "app:v2")),
        ("localhost:5000/team/app:1", Spec("docker-daemon", "localhost:5000/team/app:1")),
        ("sha256:" + "a" * 64, Spec("docker-daemon", "sha256:" + "a" * 64)),
        ("0123456789ab", Spec("docker-daemon", "0123456789ab")),
        ("docker-archive:app.tar", Spec("docker-archive", "app.tar")),
        ("docker-archive:/x/app.tar:app:1", Spec("docker-archive", "/x/app.tar", "app:1")),
        ("docker-archive:app.tar:@1", Spec("docker-archive", "app.tar", "@1")),
        ("oci:layout", Spec("oci", "layout")),
        ("oci:/tmp/layout:v1.0", Spec("oci", "/tmp/layout", "v1.0")),
        ("docker://registry.example.com/app:1", Spec("docker", "registry.example.com/app:1")),
        (
            "docker://localhost:5000/a/b@sha256:" + "0" * 64,
            Spec("docker", "localhost:5000/a/b@sha256:" + "0" * 64),
        ),
    ],
)
def test_accepted_forms(text: str, expected: Spec) -> None:
    assert parse_spec(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " busybox",
        "Busybox",
        "docker-daemon:",
        "docker-archive:",
        "docker-archive::app:1",
        "docker-archive:app.tar:@x",
        "docker-archive:app.tar:Not A Ref",
        "oci:",
        "oci::tag",
        "docker:busybox",
        "docker://busybox",
        "docker://registry.example.com/",
        "docker://registry.example.com/App",
        "oci-archive:x.tar",
        "containers-storage:app",
        "app:bad tag",
        "app:-dash",
    ],
)
def test_bad_specs_are_usage_errors_listing_the_forms(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_spec(text)
    assert repr(text) in info.value.message
    assert info.value.hint == f"accepted forms: {FORMS}"


_component = st.from_regex(r"[a-z0-9]+([._-][a-z0-9]+)?", fullmatch=True)
_name = st.lists(_component, min_size=1, max_size=3).map("/".join)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_host = st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z]{2,5})?(:[1-9][0-9]{0,4})?", fullmatch=True)
_path = st.from_regex(r"[A-Za-z0-9_./-]{1,30}", fullmatch=True)


@given(name=_name, tag=st.none() | _tag)
def test_engine_names_round_trip(name: str, tag: str | None) -> None:
    reference = f"{name}:{tag}" if tag else name
    for text in (reference, f"docker-daemon:{reference}"):
        spec = parse_spec(text)
        assert spec == Spec("docker-daemon", reference)
        assert parse_spec(str(spec)) == spec


@given(host=_host, name=_name, tag=st.none() | _tag)
def test_registry_references_round_trip(host: str, name: str, tag: str | None) -> None:
    reference = f"{host}/{name}" + (f":{tag}" if tag else "")
    spec = parse_spec(f"docker://{reference}")
    assert spec == Spec("docker", reference)
    assert str(spec) == f"docker://{reference}"


@given(path=_path, tag=st.none() | _tag)
def test_layout_and_archive_paths_round_trip(path: str, tag: str | None) -> None:
    spec = parse_spec(f"oci:{path}" + (f":{tag}" if tag else ""))
    assert spec == Spec("oci", path, tag)
    assert parse_spec(str(spec)) == spec
    archive = parse_spec(f"docker-archive:{path}" + (f":app:{tag}" if tag else ""))
    assert archive == Spec("docker-archive", path, f"app:{tag}" if tag else None)
    assert parse_spec(str(archive)) == archive


@given(text=st.text(max_size=40))
def test_any_text_parses_or_is_a_usage_error(text: str) -> None:
    try:
        spec = parse_spec(text)
    except UsageError:
        return
    assert spec.location
    assert parse_spec(str(spec)) == spec


def test_registry_sources_go_to_the_opener_passed_in() -> None:
    calls: list[tuple[str, Platform | None]] = []

    def opener(reference: str, platform: Platform | None) -> object:
        calls.append((reference, platform))
        return "opened"

    platform = Platform("linux", "arm64")
    result = open_image("docker://registry.example.com/app:1", registry=opener, platform=platform)  # type: ignore[arg-type]
    assert result == "opened"
    assert calls == [("registry.example.com/app:1", platform)]
    with pytest.raises(UsageError, match="registry sources are not available"):
        open_image("docker://registry.example.com/app:1")
