"""What a build made, for ``--format json`` and for the commands built on these builders.

``size`` is what a pull downloads (compressed layers and the config), ``uncompressed_size``
the layer tars' bytes. Every layer says its digests, sizes and the history line that made
it, so a release can be seen to change only the app layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from imagekit.build.assemble import Built, BuiltImage, BuiltIndex
from imagekit.build.outputs import Written


def layer_summaries(image: BuiltImage) -> list[dict[str, Any]]:
    """Each layer of ``image``, base first."""
    made_by = [entry for entry in image.config.layer_history()]
    layers = []
    sizes = image.uncompressed_sizes
    for layer, history, size in zip(image.layers, made_by, sizes, strict=True):
        layers.append(
            {
                "digest": str(layer.descriptor.digest),
                "diff_id": str(layer.diff_id),
                "media_type": layer.descriptor.media_type,
                "size": layer.descriptor.size,
                "uncompressed_size": size,
                "created_by": history.created_by if history is not None else "",
            }
        )
    return layers


def image_summary(image: BuiltImage) -> dict[str, Any]:
    return {
        "digest": str(image.digest),
        "media_type": image.manifest.media_type,
        "platform": str(image.platform),
        "config": str(image.config.digest),
        "size": image.size,
        "uncompressed_size": image.uncompressed_size,
        "layers": layer_summaries(image),
    }


def summary(built: Built, written: Sequence[Written] = ()) -> dict[str, Any]:
    """``{digest, media_type, size, uncompressed_size, layers, outputs}``; an index adds
    ``images`` (one summary per platform) and lists every image's layers with its platform."""
    outputs = [item.to_dict() for item in written]
    if isinstance(built, BuiltImage):
        return {**image_summary(built), "name": built.name, "outputs": outputs}
    assert isinstance(built, BuiltIndex)
    images = [image_summary(image) for image in built.images]
    layers = [
        {**layer, "platform": image["platform"]} for image in images for layer in image["layers"]
    ]
    return {
        "digest": str(built.digest),
        "media_type": built.media_type,
        "name": built.name,
        "platforms": [image["platform"] for image in images],
        "size": built.size,
        "uncompressed_size": built.uncompressed_size,
        "layers": layers,
        "images": images,
        "outputs": outputs,
    }
