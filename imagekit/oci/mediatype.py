"""Media types of manifests, indexes, configs and layers (OCI and Docker schema 2)."""

from __future__ import annotations

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_LAYER_NONDIST = "application/vnd.oci.image.layer.nondistributable.v1.tar"
OCI_LAYER_NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
OCI_LAYER_NONDIST_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_LAYER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#: Not registered anywhere, but written by some tools for uncompressed Docker layers.
DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"

MANIFESTS = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEXES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
CONFIGS = frozenset({OCI_CONFIG, DOCKER_CONFIG})

#: Compression of each layer media type: "gzip", "zstd" or "" (an uncompressed tar).
LAYERS: dict[str, str] = {
    OCI_LAYER: "",
    OCI_LAYER_GZIP: "gzip",
    OCI_LAYER_ZSTD: "zstd",
    OCI_LAYER_NONDIST: "",
    OCI_LAYER_NONDIST_GZIP: "gzip",
    OCI_LAYER_NONDIST_ZSTD: "zstd",
    DOCKER_LAYER_GZIP: "gzip",
    DOCKER_LAYER_FOREIGN_GZIP: "gzip",
    DOCKER_LAYER_TAR: "",
}

#: Accept header for registries: every manifest and index type we read.
ACCEPT = ", ".join(sorted(MANIFESTS | INDEXES))


def is_manifest(media_type: str) -> bool:
    return media_type in MANIFESTS


def is_index(media_type: str) -> bool:
    return media_type in INDEXES


def is_layer(media_type: str) -> bool:
    return media_type in LAYERS


def compression(media_type: str) -> str:
    """``gzip``, ``zstd`` or ``""``; KeyError for a media type that is not a layer."""
    return LAYERS[media_type]


def layer_type(compression_name: str, *, docker: bool) -> str:
    """The layer media type for ``compression_name`` in the OCI or Docker family."""
    if docker and compression_name in ("gzip", ""):
        return DOCKER_LAYER_GZIP if compression_name == "gzip" else DOCKER_LAYER_TAR
    return {"gzip": OCI_LAYER_GZIP, "zstd": OCI_LAYER_ZSTD}.get(compression_name, OCI_LAYER)
