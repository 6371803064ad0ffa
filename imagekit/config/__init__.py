"""Run-time configuration.

This is the only module that reads environment variables; everything else receives a
:class:`Config` (or values taken from it) as an argument.
"""

from collections.abc import Mapping
from typing import NamedTuple

_TRUE = frozenset({"1", "true", "yes", "on"})


#: Environment variables of CI systems that reports read (commit, branch, pull request,
#: API endpoints and tokens of GitHub Actions, CircleCI and GitLab CI), by prefix.
CI_PREFIXES = ("GITHUB_", "CIRCLE_", "CI_", "GITLAB_")


class Config(NamedTuple):
    """Settings that do not come from command-line flags."""

    #: Show tracebacks for internal errors instead of one line (``IMAGEKIT_DEBUG=1``).
    debug: bool = False
    #: Never colour output (``NO_COLOR`` set to anything non-empty).
    no_color: bool = False
    #: Running in CI (``CI`` set to anything but ``false``/``0``): plain progress lines.
    ci: bool = False
    #: Where immutable things are cached: manifests, configs, compressed-layer digests
    #: (``IMAGEKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/imagekit``, else ``~/.cache/imagekit``).
    cache_dir: str = ""
    #: The embedded registry's data directory, its state, config and S3 data
    #: (``IMAGEKIT_REGISTRY_DIR``, else ``$XDG_DATA_HOME/imagekit/registry``, else
    #: ``~/.local/share/imagekit/registry``).
    registry_dir: str = ""
    #: The docker CLI's configuration directory, holding config.json (``DOCKER_CONFIG``,
    #: else ``~/.docker``).
    docker_config: str = ""
    #: The SeaweedFS binary for the embedded S3 endpoint (``IMAGEKIT_WEED``; empty: look
    #: beside the Python interpreter, then on PATH).
    weed: str = ""
    #: ``PATH``, where helper programs (``docker-credential-*``, ``docker-registry``) are found.
    path: str = ""
    #: The CI variables reports read (:data:`CI_PREFIXES`), as sorted (name, value) pairs.
    ci_env: tuple[tuple[str, str], ...] = ()
    #: Build time of reproducible builds, seconds since the epoch (``SOURCE_DATE_EPOCH``;
    #: "" when unset): layer mtimes and ``created`` of the images imagekit builds.
    source_date_epoch: str = ""
    #: The docker engine builds go to (``DOCKER_HOST``; "" for the default socket): the
    #: docker SDK and the docker CLI that BuildKit builds run through.
    docker_host: str = ""

    def ci_var(self, name: str) -> str:
        """A CI variable's value, or "" when it is not set."""
        return dict(self.ci_env).get(name, "")


def _home(environ: Mapping[str, str]) -> str:
    import os.path

    return environ.get("HOME") or os.path.expanduser("~")


def _under(environ: Mapping[str, str], xdg: str, fallback: str, leaf: str) -> str:
    base = environ.get(xdg) or f"{_home(environ)}/{fallback}"
    return f"{base}/{leaf}"


def from_env(environ: Mapping[str, str]) -> Config:
    """Build a :class:`Config` from an environment mapping such as ``os.environ``."""
    ci = environ.get("CI", "").strip().lower()
    return Config(
        debug=environ.get("IMAGEKIT_DEBUG", "").strip().lower() in _TRUE,
        no_color=bool(environ.get("NO_COLOR", "")),
        ci=bool(ci) and ci not in ("0", "false", "no", "off"),
        cache_dir=environ.get("IMAGEKIT_CACHE_DIR")
        or _under(environ, "XDG_CACHE_HOME", ".cache", "imagekit"),
        registry_dir=environ.get("IMAGEKIT_REGISTRY_DIR")
        or _under(environ, "XDG_DATA_HOME", ".local/share", "imagekit/registry"),
        docker_config=environ.get("DOCKER_CONFIG") or f"{_home(environ)}/.docker",
        weed=environ.get("IMAGEKIT_WEED", ""),
        path=environ.get("PATH", ""),
        ci_env=tuple(sorted((k, v) for k, v in environ.items() if k.startswith(CI_PREFIXES))),
        source_date_epoch=environ.get("SOURCE_DATE_EPOCH", "").strip(),
        docker_host=environ.get("DOCKER_HOST", "").strip(),
    )
