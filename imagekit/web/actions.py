"""Deleting from the registry: a tag (the manifest it names, with every tag naming it) or a
whole repository (every manifest its tags name).

The distribution API deletes manifests by digest only, so a tag goes with every other
tag of its repository that names the same digest; the confirmation page says which. The
children of a deleted index that no remaining tag reaches are deleted after it. A
manifest already gone (404) counts as deleted. What is decided on the page is checked
again against the registry right before the delete: a tag that names another digest
than the one confirmed is not deleted (:class:`Moved`).

The bytes come back only when the registry collects its garbage (``imagekit registry
gc`` for the embedded one); the pages say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from imagekit.errors import ImagekitError
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import RegistryResponseError, Unsupported
from imagekit.registry.snapshot import Snapshot

WORKERS = 8
ENABLE = (
    "enable deletes in the registry's config (storage: delete: enabled: true) and restart "
    "it; the embedded registry has them on"
)


class Moved(ImagekitError):
    """The tag names another digest than the one confirmed."""


@dataclass(frozen=True, slots=True)
class Deleted:
    repository: str
    manifests: tuple[Digest, ...]
    """The manifests deleted (or found gone), children included."""
    tags: tuple[str, ...]
    """The tags that named them."""
    errors: tuple[str, ...] = ()


def children_to_delete(
    snapshot: Snapshot | None, repository: str, roots: Iterable[Digest]
) -> list[Digest]:
    """Manifests below the indexes ``roots`` that no other tag of ``repository`` reaches."""
    if snapshot is None:
        return []
    doomed = set(roots)
    below: list[Digest] = []
    for root in doomed:
        below += [n.digest for n in snapshot.reach(root) if n.digest != root]
    found = snapshot.repository(repository)
    kept: set[Digest] = set()
    for tag in found.tags if found is not None else ():
        if tag.digest not in doomed:
            kept.add(tag.digest)
            kept.update(snapshot.blobs_of(tag.digest))
    return [d for d in dict.fromkeys(below) if d not in kept and d not in doomed]


def delete_manifests(
    client: RegistryClient,
    repository: str,
    roots: Sequence[Digest],
    children: Sequence[Digest],
    tags: Sequence[str],
) -> Deleted:
    """Delete ``roots``, then ``children``; failures per manifest, a refusal of deletes
    stops at the first."""
    done: list[Digest] = []
    errors: list[str] = []
    for digest in [*roots, *children]:
        try:
            client.delete_manifest(repository, digest)
        except Unsupported as exc:
            errors.append(f"{exc.message}; {ENABLE}")
            break
        except RegistryResponseError as exc:
            if exc.status == 404:
                done.append(digest)
                continue
            if exc.status == 405:
                errors.append(f"{exc.message}; {ENABLE}")
                break
            errors.append(exc.message)
            continue
        except ImagekitError as exc:
            errors.append(exc.message)
            continue
        done.append(digest)
    return Deleted(repository, tuple(done), tuple(tags), tuple(errors))


def delete_tag(
    client: RegistryClient,
    snapshot: Snapshot | None,
    repository: str,
    tag: str,
    confirmed: Digest,
    others: Sequence[str],
) -> Deleted:
    """Delete the manifest ``tag`` names, if it still names ``confirmed``; ``others`` are
    the tags naming it too (for the result)."""
    now = client.head_manifest(repository, tag).digest
    if now != confirmed:
        raise Moved(
            f"{repository}:{tag} now names {now}, not the {confirmed} confirmed: nothing deleted",
            hint="look at the tag again and confirm anew",
        )
    children = children_to_delete(snapshot, repository, [now])
    return delete_manifests(client, repository, [now], children, [tag, *others])


def delete_repository(
    client: RegistryClient, snapshot: Snapshot | None, repository: str
) -> Deleted:
    """Delete every manifest the repository's tags name now (read again first)."""
    tags = client.tags(repository)
    errors: list[str] = []

    def head(tag: str) -> Digest | None:
        try:
            return client.head_manifest(repository, tag).digest
        except RegistryResponseError as exc:
            if exc.status != 404:  # a tag gone since the list was read is fine
                errors.append(exc.message)
            return None
        except ImagekitError as exc:
            errors.append(exc.message)
            return None

    with ThreadPoolExecutor(WORKERS, thread_name_prefix="ik-delete") as pool:
        digests = list(pool.map(head, tags))
    roots = list(dict.fromkeys(d for d in digests if d is not None))
    children = children_to_delete(snapshot, repository, roots)
    deleted = delete_manifests(client, repository, roots, children, tags)
    return Deleted(repository, deleted.manifests, deleted.tags, (*errors, *deleted.errors))
