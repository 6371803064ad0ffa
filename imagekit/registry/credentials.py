"""Registry credentials where the docker CLI keeps them, and Amazon ECR's.

For a registry, the docker configuration (``config.json`` in the directory given, which
is ``$DOCKER_CONFIG`` or ``~/.docker``) names where its credentials live, as docker reads
it: a ``credHelpers`` entry for that host, else ``credsStore`` (the helper for every
registry), else the file's own ``auths`` (see :mod:`imagekit.registry.dockerconfig` and
:mod:`imagekit.registry.credhelper`). As with docker, a registry whose helper is
configured is not looked up in ``auths``, and writing through a helper leaves only an
empty ``auths`` entry for the host in the file.

An ECR host (:mod:`imagekit.registry.ecr`) with nothing stored gets a token from AWS,
kept for the life of the store.

Identity tokens: a helper's ``<token>`` user name and a file's ``identitytoken`` both
become ``Credentials("<token>", TOKEN)``; the token flow sends them as an OAuth2 refresh
token (:mod:`imagekit.registry.auth`). Storing such credentials writes ``identitytoken``
(or ``<token>`` to a helper), as docker does.
"""

from __future__ import annotations

from pathlib import Path

from imagekit.registry.auth import Credentials
from imagekit.registry.credhelper import CredentialHelper, Runner, run_program
from imagekit.registry.dockerconfig import DockerConfig, server_key
from imagekit.registry.ecr import EcrTokens, is_ecr


class CredentialStore:
    """Reads and writes credentials the docker CLI's way; one per command run."""

    def __init__(
        self,
        config_dir: Path,
        *,
        path: str,
        run: Runner = run_program,
        ecr: EcrTokens | None = None,
    ) -> None:
        self.config_dir = Path(config_dir)
        self._path = path
        self._run = run
        self._ecr = ecr or EcrTokens()

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.json"

    def _helper(self, config: DockerConfig, registry: str) -> CredentialHelper | None:
        found = config.helper_for(registry)
        if found is None:
            return None
        name, source = found
        return CredentialHelper(name, path=self._path, run=self._run, source=source)

    def where(self, registry: str) -> str:
        """Where :meth:`store` puts ``registry``'s credentials, for messages."""
        helper = self._helper(DockerConfig.load(self.config_dir), registry)
        return helper.program if helper is not None else str(self.config_file)

    def get(self, registry: str) -> Credentials | None:
        """The stored credentials for ``registry`` (``HOST[:PORT]`` or a key such as
        ``https://HOST/v2/``), an ECR token for an ECR host with none stored, or None."""
        config = DockerConfig.load(self.config_dir)
        helper = self._helper(config, registry)
        if helper is not None:
            credentials = helper.get(server_key(registry))
        else:
            key = config.find(registry)
            credentials = config.credentials(key) if key is not None else None
        if credentials is None and is_ecr(server_key(registry)):
            return self._ecr.get(server_key(registry))
        return credentials

    def ecr(self, registry: str) -> Credentials:
        """A token from AWS for the ECR host ``registry``, whatever is stored for it."""
        return self._ecr.get(server_key(registry))

    def store(self, registry: str, credentials: Credentials) -> None:
        """Keep ``credentials`` for ``registry`` where docker login would."""
        config = DockerConfig.load(self.config_dir)
        helper = self._helper(config, registry)
        if helper is not None:
            helper.store(server_key(registry), credentials)
            config.put(registry, None)
        else:
            config.put(registry, credentials)
        config.save()

    def erase(self, registry: str) -> bool:
        """Forget ``registry``'s credentials (helper and file); whether any were stored."""
        config = DockerConfig.load(self.config_dir)
        helper = self._helper(config, registry)
        erased = helper.erase(server_key(registry)) if helper is not None else False
        if config.remove(registry):
            config.save()
            erased = True
        return erased

    def list(self) -> dict[str, str]:
        """Registry key → user name for everything stored (no secrets): the file's own
        entries and what each configured helper lists for the keys routed to it."""
        config = DockerConfig.load(self.config_dir)
        found: dict[str, str] = {}
        for key, user in config.usernames().items():
            if config.helper_for(key) is None:
                found[server_key(key)] = user
        names = set(config.helpers().values())
        store = config.data.get("credsStore")
        if isinstance(store, str) and store:
            names.add(store)
        for name in sorted(names):
            helper = CredentialHelper(name, path=self._path, run=self._run, source=str(config.path))
            for key, user in helper.list().items():
                routed = config.helper_for(key)
                if routed is not None and routed[0] == name:
                    found[server_key(key)] = user
        return found
