"""The image model: digests, descriptors, manifests, indexes, configs, images and layers.

Sources and sinks are named for their medium: ``archive`` (``docker save`` tarballs),
``layout`` (OCI image layout directories), ``engine`` (the docker engine). Registries
live in :mod:`imagekit.registry`, which builds on this package.
"""
