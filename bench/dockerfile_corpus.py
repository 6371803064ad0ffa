"""Deterministic corpus of ordinary Dockerfiles for the lint benchmark.

Every file is composed from templates in this module with a per-file seeded random generator,
so the same seed and index always give the same bytes, whatever the corpus size.  The mix is
what teams commonly write: apt-based Debian/Ubuntu services, Alpine images, Python pip apps,
Node npm/yarn apps, Go multi-stage builds onto scratch/busybox/distroless and Java
Maven/Gradle multi-stage builds.  Some files carry the usual size mistakes (apt lists left
behind, no ``--no-install-recommends``, consecutive RUNs, ``:latest``, pip/apk caches kept).

Run as a script to write a corpus to a directory and optionally check that it parses::

    python bench/dockerfile_corpus.py --out /tmp/corpus --count 500 --check
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SEED = 20240601
MIN_LINES = 20
MAX_LINES = 60

Block = list[str]


@dataclass(frozen=True)
class GeneratedDockerfile:
    """One generated Dockerfile: its index, family, service name and text."""

    index: int
    family: str
    service: str
    text: str

    @property
    def relpath(self) -> str:
        """Path of the file relative to the corpus root, as a repository would lay it out."""
        return f"{self.index:04d}-{self.service}/Dockerfile"

    @property
    def line_count(self) -> int:
        return len(self.text.splitlines())


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SERVICES = words(
    "billing-api auth-service report-worker inventory notifier gateway search-indexer "
    "thumbnailer scheduler ledger webhooks metrics-exporter catalog checkout mailer "
    "pdf-renderer audit-log feature-flags geo-lookup session-store pricing shipping "
    "recommendations uploads admin-portal status-page chat-relay importer exporter "
    "payments"
)
TEAMS = ("platform", "payments", "growth", "data", "infra", "core", "web", "mobile-backend")
VENDORS = ("Acme Corp", "Northwind", "Initech", "Globex", "Umbrella Labs", "Hooli")
APT_EXTRAS = words(
    "gnupg jq unzip gettext-base netcat-openbsd procps tini libssl3 tzdata xz-utils "
    "openssh-client rsync less dumb-init"
)
APK_EXTRAS = words(
    "bash jq tini su-exec openssl libstdc++ gettext rsync unzip busybox-extras "
    "postgresql-client redis"
)
PY_BUILD_DEPS = ("build-essential", "libpq-dev", "libffi-dev", "libjpeg-dev", "libxml2-dev")
PY_RUNTIME_DEPS = ("libpq5", "libjpeg62-turbo", "libxml2", "curl")
PORTS = (8000, 8080, 8081, 8443, 3000, 5000, 9000, 9090, 4000, 7000)


def continued(lines: Sequence[str]) -> Block:
    """Join logical lines with backslash continuations, as a multi-line instruction."""
    return [line + " \\" for line in lines[:-1]] + [lines[-1]]


def run_chain(commands: Sequence[str]) -> Block:
    """A RUN whose commands are chained with ``&&`` one per line."""
    if len(commands) == 1:
        return [f"RUN {commands[0]}"]
    return continued([f"RUN {commands[0]}"] + [f"    && {c}" for c in commands[1:]])


def package_lines(packages: Sequence[str], indent: str = "        ") -> list[str]:
    return [f"{indent}{p}" for p in sorted(packages)]


def labels(rng: random.Random, service: str) -> Block:
    team = rng.choice(TEAMS)
    if rng.random() < 0.3:
        return [f'LABEL maintainer="{team}@example.com"']
    pairs = [
        f'org.opencontainers.image.title="{service}"',
        f'org.opencontainers.image.vendor="{rng.choice(VENDORS)}"',
        f'org.opencontainers.image.authors="{team}@example.com"',
    ]
    if rng.random() < 0.5:
        pairs.append(f'org.opencontainers.image.source="https://git.example.com/{team}/{service}"')
    if rng.random() < 0.3:
        pairs.append(f'com.example.team="{team}"')
    return continued([f"LABEL {pairs[0]}"] + [f"      {p}" for p in pairs[1:]])


def healthcheck(rng: random.Random, port: int, tool: str = "curl") -> Block:
    path = rng.choice(("/healthz", "/health", "/ready", "/status", "/ping"))
    interval = rng.choice(("10s", "15s", "30s", "1m"))
    if tool == "curl":
        probe = f"curl -fsS http://localhost:{port}{path} || exit 1"
    else:
        probe = f"wget -qO- http://localhost:{port}{path} || exit 1"
    if rng.random() < 0.5:
        return [f"HEALTHCHECK --interval={interval} --timeout=5s --retries=3 CMD {probe}"]
    return continued(
        [
            f"HEALTHCHECK --interval={interval} --timeout=5s --start-period=20s --retries=3",
            f"    CMD {probe}",
        ]
    )


def apt_install(
    rng: random.Random,
    packages: Sequence[str],
    *,
    sloppy: bool,
    cache_mount: bool = False,
) -> list[Block]:
    """One or more RUN blocks installing Debian packages, sometimes with the usual mistakes."""
    no_recommends = not (sloppy and rng.random() < 0.6)
    clean_lists = not (sloppy and rng.random() < 0.6)
    split = sloppy and rng.random() < 0.4
    install = "apt-get install -y" + (" --no-install-recommends" if no_recommends else "")
    pkgs = package_lines(packages)
    if split:
        blocks: list[Block] = [["RUN apt-get update"]]
        last = continued([f"RUN {install}", *pkgs])
        blocks.append(last)
        if clean_lists:
            blocks.append(["RUN rm -rf /var/lib/apt/lists/*"])
        return blocks
    head = "RUN apt-get update"
    if cache_mount:
        head = (
            "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked"
            " --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update"
        )
        clean_lists = False
    lines = [head, f"    && {install}", *pkgs]
    if sloppy and rng.random() < 0.25:
        lines.insert(1, "    && apt-get upgrade -y")
    if clean_lists:
        lines.append("    && rm -rf /var/lib/apt/lists/*")
    return [continued(lines)]


def user_block(rng: random.Random, name: str, home: str, alpine: bool) -> Block:
    if alpine:
        return [f"RUN addgroup -S {name} && adduser -S -G {name} -h {home} {name}"]
    if rng.random() < 0.5:
        return [
            f"RUN groupadd --system {name} && useradd --system --gid {name} --home-dir {home} {name}"
        ]
    return continued(
        [
            f"RUN groupadd --gid 10001 {name}",
            f"    && useradd --uid 10001 --gid {name} --shell /usr/sbin/nologin --create-home {name}",
        ]
    )


def image(rng: random.Random, repo: str, tags: Sequence[str], latest_p: float) -> str:
    """An image reference; with probability ``latest_p`` it is ``:latest`` or untagged."""
    if rng.random() < latest_p:
        return rng.choice((f"{repo}:latest", repo))
    return f"{repo}:{rng.choice(tags)}"


def assemble(blocks: Sequence[Block], tight: float = 0.0) -> str:
    """Lay blocks out separated by blank lines.

    A comment-only block sticks to the block after it, as people write them.  With ``tight`` > 0
    two neighbouring one-line blocks share a paragraph with that probability (decided by a hash
    of the text so the layout is stable while a file is being padded).
    """
    out: list[str] = []
    previous: Block = []
    for n, block in enumerate(b for b in blocks if b):
        attach = previous and all(line.startswith("#") for line in previous) and n > 1
        if tight and not attach and len(previous) == 1 and len(block) == 1:
            key = random.Random(previous[0] + block[0]).random()
            attach = key < tight and not block[0].startswith("FROM ") and n > 1
        if out and not attach:
            out.append("")
        out.extend(block)
        previous = block
    return "\n".join(out) + "\n"


def header(rng: random.Random, text: str) -> list[Block]:
    blocks: list[Block] = []
    if rng.random() < 0.2:
        blocks.append(["# syntax=docker/dockerfile:1"])
    if rng.random() < 0.7:
        blocks.append([f"# {text}"])
    return blocks


def merged_header(blocks: list[Block]) -> list[Block]:
    """Keep a syntax directive and a leading comment together at the top of the file."""
    if len(blocks) == 2:
        return [blocks[0] + blocks[1]]
    return blocks


# --- families ----------------------------------------------------------------------------------


def debian_service(rng: random.Random, service: str, sloppy: bool) -> list[Block]:
    port = rng.choice(PORTS)
    base = rng.choice(("debian", "ubuntu"))
    tags = (
        ("bookworm-slim", "12-slim", "bookworm", "bullseye-slim")
        if base == "debian"
        else ("22.04", "24.04", "jammy", "noble")
    )
    blocks = merged_header(header(rng, f"Runtime image for the {service} service"))
    blocks.append([f"FROM {image(rng, base, tags, 0.3 if sloppy else 0.0)}"])
    blocks.append(labels(rng, service))
    blocks.append(["ARG DEBIAN_FRONTEND=noninteractive"])
    env = ["ENV LANG=C.UTF-8", "    TZ=UTC"]
    if rng.random() < 0.5:
        env.append(f"    {service.upper().replace('-', '_')}_PORT={port}")
    blocks.append(continued(env))
    kind = rng.choice(("binary", "nginx", "python-apt", "cron"))
    pkgs = ["ca-certificates", "curl", *rng.sample(APT_EXTRAS, rng.randint(1, 5))]
    if kind == "nginx":
        pkgs.append("nginx")
    elif kind == "python-apt":
        pkgs += ["python3", "python3-venv"]
    elif kind == "cron":
        pkgs.append("cron")
    blocks.append(["# System packages"])
    blocks.extend(apt_install(rng, pkgs, sloppy=sloppy, cache_mount=rng.random() < 0.1))
    blocks.append(user_block(rng, "app", f"/srv/{service}", alpine=False))
    blocks.append([f"WORKDIR /srv/{service}"])
    if kind == "nginx":
        blocks.append(
            [
                "COPY nginx.conf /etc/nginx/nginx.conf",
                "COPY site/ /usr/share/nginx/html/",
            ]
        )
        port = 80 if rng.random() < 0.5 else 8080
        blocks.append([f"EXPOSE {port}"])
        blocks.append(healthcheck(rng, port))
        blocks.append(['CMD ["nginx", "-g", "daemon off;"]'])
        return blocks
    if kind == "python-apt":
        blocks.append(["COPY requirements.txt ./"])
        blocks.append(
            run_chain(
                [
                    "python3 -m venv /opt/venv",
                    "/opt/venv/bin/pip install --no-cache-dir -r requirements.txt",
                ]
            )
        )
        blocks.append(["ENV PATH=/opt/venv/bin:$PATH"])
        blocks.append([f"COPY --chown=app:app src/ /srv/{service}/"])
        blocks.append([f"EXPOSE {port}", "USER app"])
        blocks.append(healthcheck(rng, port))
        blocks.append([f'CMD ["python3", "-m", "{service.replace("-", "_")}", "--port", "{port}"]'])
        return blocks
    if kind == "cron":
        blocks.append(
            [
                f"COPY crontab /etc/cron.d/{service}",
                f"COPY scripts/ /srv/{service}/scripts/",
            ]
        )
        blocks.append(
            run_chain(
                [
                    f"chmod 0644 /etc/cron.d/{service}",
                    f"chmod +x /srv/{service}/scripts/*.sh",
                    f"crontab /etc/cron.d/{service}",
                ]
            )
        )
        if sloppy and rng.random() < 0.5:
            blocks.append([f"RUN touch /var/log/{service}.log"])
        blocks.append(['CMD ["cron", "-f"]'])
        return blocks
    blocks.append(["# Prebuilt release artefacts from CI"])
    blocks[-1] += [
        f"COPY dist/{service} /usr/local/bin/{service}",
        f"COPY config/ /etc/{service}/",
    ]
    if rng.random() < 0.4:
        blocks.append([f"RUN chown -R app:app /srv/{service} && chmod +x /usr/local/bin/{service}"])
    blocks.append([f"EXPOSE {port}"])
    if rng.random() < 0.4:
        blocks[-1].append(f"VOLUME /srv/{service}/data")
    blocks.append(["USER app"])
    if rng.random() < 0.8:
        blocks.append(healthcheck(rng, port))
    entry = ["dumb-init", "--"] if "dumb-init" in pkgs else ["tini", "--"] if "tini" in pkgs else []
    entry.append(f"/usr/local/bin/{service}")
    blocks.append(
        [
            "ENTRYPOINT [" + ", ".join(f'"{e}"' for e in entry) + "]",
            f'CMD ["--config", "/etc/{service}/config.yaml"]',
        ]
    )
    return blocks


def alpine_service(rng: random.Random, service: str, sloppy: bool) -> list[Block]:
    port = rng.choice(PORTS)
    blocks = merged_header(header(rng, f"{service}: small Alpine runtime"))
    base = image(rng, "alpine", ("3.18", "3.19", "3.20", "3.21"), 0.35 if sloppy else 0.0)
    blocks.append([f"FROM {base}"])
    blocks.append(labels(rng, service))
    blocks.append(continued(["ENV TZ=UTC", f"    APP_HOME=/opt/{service}", f"    PORT={port}"]))
    pkgs = sorted(["ca-certificates", "tzdata", "curl", *rng.sample(APK_EXTRAS, rng.randint(1, 4))])
    blocks.append(["# Runtime dependencies"])
    if sloppy and rng.random() < 0.5:
        blocks.append(continued(["RUN apk update", "    && apk add", *package_lines(pkgs)]))
    elif sloppy and rng.random() < 0.5:
        blocks.append([f"RUN apk add --no-cache {p}" for p in pkgs[:3]])
    else:
        blocks.append(continued(["RUN apk add --no-cache", *package_lines(pkgs, "    ")]))
    blocks.append(user_block(rng, "app", f"/opt/{service}", alpine=True))
    blocks.append(["WORKDIR $APP_HOME"])
    copies = [f"COPY --chown=app:app bin/{service} ./{service}"]
    if rng.random() < 0.6:
        copies.append(f"COPY --chown=app:app config.yaml /etc/{service}/config.yaml")
    if rng.random() < 0.4:
        copies.append("COPY docker-entrypoint.sh /usr/local/bin/")
    blocks.append(copies)
    if len(copies) == 3:
        blocks.append(["RUN chmod +x /usr/local/bin/docker-entrypoint.sh"])
    blocks.append([f"EXPOSE {port}"])
    blocks.append(["USER app"])
    if rng.random() < 0.75:
        blocks.append(healthcheck(rng, port, tool=rng.choice(("curl", "wget"))))
    if len(copies) == 3:
        blocks.append(['ENTRYPOINT ["docker-entrypoint.sh"]', f'CMD ["./{service}", "serve"]'])
    elif "tini" in pkgs:
        blocks.append(['ENTRYPOINT ["/sbin/tini", "--"]', f'CMD ["./{service}", "serve"]'])
    else:
        blocks.append([f'CMD ["./{service}", "serve", "--listen", ":{port}"]'])
    return blocks


def python_app(rng: random.Random, service: str, sloppy: bool) -> list[Block]:
    port = rng.choice((8000, 8000, 5000, 8080))
    module = service.replace("-", "_")
    pyver = rng.choice(("3.10", "3.11", "3.12", "3.13"))
    flavour = rng.choice(("-slim", "-slim-bookworm", "-slim", "-bookworm"))
    server = rng.choice(("gunicorn", "uvicorn", "celery", "flask"))
    multistage = rng.random() < 0.35
    blocks = merged_header(header(rng, f"{service} ({server})"))
    use_arg = rng.random() < 0.4
    if use_arg:
        blocks.append([f"ARG PYTHON_VERSION={pyver}"])
        base = f"python:${{PYTHON_VERSION}}{flavour}"
    elif sloppy and rng.random() < 0.3:
        base = "python:latest"
    else:
        base = f"python:{pyver}{flavour}"
    pip_flags = "" if sloppy and rng.random() < 0.6 else " --no-cache-dir"
    build_deps = rng.sample(PY_BUILD_DEPS, rng.randint(1, 3))
    if multistage:
        blocks.append([f"FROM {base} AS builder"])
        blocks.append(["WORKDIR /build"])
        blocks.extend(apt_install(rng, build_deps, sloppy=sloppy))
        blocks.append(["COPY requirements.txt ."])
        blocks.append(
            [f"RUN pip wheel{pip_flags} --wheel-dir /wheels -r requirements.txt"]
            if rng.random() < 0.5
            else run_chain(
                [
                    "python -m venv /opt/venv",
                    f"/opt/venv/bin/pip install{pip_flags} --upgrade pip",
                    f"/opt/venv/bin/pip install{pip_flags} -r requirements.txt",
                ]
            )
        )
        wheels = blocks[-1][0].startswith("RUN pip wheel")
        blocks.append([f"FROM {base}"])
    else:
        blocks.append([f"FROM {base}"])
    blocks.append(labels(rng, service))
    env = [
        "ENV PYTHONDONTWRITEBYTECODE=1",
        "    PYTHONUNBUFFERED=1",
    ]
    if rng.random() < 0.5:
        env.append("    PIP_DISABLE_PIP_VERSION_CHECK=1")
    if multistage and not wheels:
        env.append("    PATH=/opt/venv/bin:$PATH")
    blocks.append(continued(env))
    blocks.append(["WORKDIR /app"])
    if multistage:
        runtime = rng.sample(PY_RUNTIME_DEPS, rng.randint(1, 2))
        blocks.extend(apt_install(rng, runtime, sloppy=sloppy))
        if wheels:
            blocks.append(["COPY --from=builder /wheels /wheels"])
            blocks.append(run_chain([f"pip install{pip_flags} /wheels/*", "rm -rf /wheels"]))
        else:
            blocks.append(["COPY --from=builder /opt/venv /opt/venv"])
    else:
        if rng.random() < 0.6:
            blocks.append(["# Build dependencies for psycopg and friends"])
            blocks.extend(apt_install(rng, build_deps, sloppy=sloppy))
        if sloppy and rng.random() < 0.3:
            blocks.append(["COPY . .", f"RUN pip install{pip_flags} -r requirements.txt"])
        elif rng.random() < 0.15:
            blocks.append(["COPY requirements.txt ."])
            blocks.append(
                ["RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt"]
            )
        else:
            blocks.append(["COPY requirements.txt ."])
            blocks.append([f"RUN pip install{pip_flags} -r requirements.txt"])
    blocks.append([f"COPY {module}/ ./{module}/"])
    if rng.random() < 0.5:
        blocks[-1].append(
            "COPY manage.py gunicorn.conf.py ./"
            if server == "gunicorn"
            else "COPY pyproject.toml ./"
        )
    blocks.append(user_block(rng, "appuser", "/home/appuser", alpine=False))
    blocks.append(["USER appuser"])
    if server == "celery":
        blocks.append([f'CMD ["celery", "-A", "{module}", "worker", "--loglevel=info"]'])
        return blocks
    blocks.append([f"EXPOSE {port}"])
    if rng.random() < 0.6:
        probe = (
            'python -c "import urllib.request; '
            f"urllib.request.urlopen('http://localhost:{port}/health')\" || exit 1"
        )
        blocks.append(continued(["HEALTHCHECK --interval=30s --timeout=5s", f"    CMD {probe}"]))
    if server == "gunicorn":
        blocks.append(
            [
                'CMD ["gunicorn", "--bind", "0.0.0.0:'
                + str(port)
                + f'", "--workers", "{rng.randint(2, 8)}", "{module}.wsgi:application"]'
            ]
        )
    elif server == "uvicorn":
        blocks.append(
            [f'CMD ["uvicorn", "{module}.main:app", "--host", "0.0.0.0", "--port", "{port}"]']
        )
    else:
        blocks.append([f"ENV FLASK_APP={module}"])
        blocks.append([f'CMD ["flask", "run", "--host=0.0.0.0", "--port={port}"]'])
    return blocks


def node_app(rng: random.Random, service: str, sloppy: bool) -> list[Block]:
    port = rng.choice((3000, 3000, 8080, 4000))
    nodever = rng.choice(("18", "20", "22"))
    variant = rng.choice(("-alpine", "-bookworm-slim", "-alpine", ""))
    base = "node:latest" if sloppy and rng.random() < 0.25 else f"node:{nodever}{variant}"
    yarn = rng.random() < 0.35
    spa = rng.random() < 0.25
    lock = "yarn.lock" if yarn else "package-lock.json"
    install_prod = "yarn install --frozen-lockfile --production" if yarn else "npm ci --omit=dev"
    install_all = "yarn install --frozen-lockfile" if yarn else "npm ci"
    if sloppy and not yarn and rng.random() < 0.5:
        install_prod = "npm install --production"
        install_all = "npm install"
    build_cmd = "yarn build" if yarn else "npm run build"
    blocks = merged_header(header(rng, f"{service} web {'frontend' if spa else 'service'}"))
    if spa:
        blocks.append([f"FROM {base} AS build"])
        blocks.append(["WORKDIR /app"])
        blocks.append([f"COPY package.json {lock} ./"])
        blocks.append([f"RUN {install_all}"])
        blocks.append(["COPY . ."])
        blocks.append(
            [f"ARG API_URL=https://api.example.com/{service}", "ENV VITE_API_URL=$API_URL"]
        )
        blocks.append([f"RUN {build_cmd}"])
        nginx = image(
            rng, "nginx", ("1.25-alpine", "1.27-alpine", "stable-alpine"), 0.3 if sloppy else 0.0
        )
        blocks.append([f"FROM {nginx}"])
        blocks.append(labels(rng, service))
        blocks.append(["COPY nginx/default.conf /etc/nginx/conf.d/default.conf"])
        blocks[-1].append(
            f"COPY --from=build /app/{rng.choice(('dist', 'build'))} /usr/share/nginx/html"
        )
        blocks.append(["EXPOSE 80"])
        blocks.append(healthcheck(rng, 80, tool="wget"))
        blocks.append(['CMD ["nginx", "-g", "daemon off;"]'])
        return blocks
    multistage = rng.random() < 0.6
    # busybox wget on Alpine, curl on the full Debian image, nothing on -slim unless installed
    probe = {"-alpine": "wget", "": "curl"}.get(variant)
    if multistage:
        blocks.append([f"FROM {base} AS deps"])
        blocks.append(["WORKDIR /app"])
        blocks.append([f"COPY package.json {lock} ./"])
        if yarn:
            blocks.append(run_chain([install_prod, "yarn cache clean"]))
        else:
            blocks.append([f"RUN {install_prod}"])
        blocks.append([f"FROM {base} AS build"])
        blocks.append(["WORKDIR /app"])
        blocks.append([f"COPY package.json {lock} ./"])
        blocks.append([f"RUN {install_all}"])
        blocks.append(["COPY tsconfig.json ./", "COPY src ./src"])
        blocks.append([f"RUN {build_cmd}"])
        blocks.append([f"FROM {base}"])
        blocks.append(labels(rng, service))
        blocks.append(continued(["ENV NODE_ENV=production", f"    PORT={port}"]))
        blocks.append(["WORKDIR /app"])
        blocks.append(
            [
                "COPY --from=deps --chown=node:node /app/node_modules ./node_modules",
                "COPY --from=build --chown=node:node /app/dist ./dist",
                "COPY --chown=node:node package.json ./",
            ]
        )
        main = "dist/server.js"
    else:
        blocks.append([f"FROM {base}"])
        blocks.append(labels(rng, service))
        blocks.append(continued(["ENV NODE_ENV=production", f"    PORT={port}"]))
        if variant == "-bookworm-slim" and rng.random() < 0.5:
            blocks.extend(apt_install(rng, ["ca-certificates", "curl"], sloppy=sloppy))
            probe = "curl"
        blocks.append(["WORKDIR /usr/src/app"])
        blocks.append(["# Install dependencies first to use the layer cache"])
        blocks[-1].append(f"COPY package.json {lock} ./")
        if yarn:
            blocks.append(run_chain([install_prod, "yarn cache clean"]))
        elif sloppy and rng.random() < 0.4:
            blocks.append([f"RUN {install_prod}", "RUN npm cache clean --force"])
        else:
            blocks.append([f"RUN {install_prod}"])
        blocks.append(["COPY --chown=node:node . ."])
        main = rng.choice(("server.js", "index.js", "src/index.js"))
    blocks.append([f"EXPOSE {port}"])
    if not (sloppy and rng.random() < 0.4):
        blocks.append(["USER node"])
    if probe is not None and rng.random() < 0.7:
        blocks.append(healthcheck(rng, port, tool=probe))
    blocks.append([f'CMD ["node", "{main}"]'])
    return blocks


def go_service(rng: random.Random, service: str, sloppy: bool) -> list[Block]:
    port = rng.choice(PORTS)
    gover = rng.choice(("1.21", "1.22", "1.23"))
    alpine_builder = rng.random() < 0.5
    target = rng.choice(("scratch", "distroless", "distroless", "busybox"))
    blocks = merged_header(header(rng, f"Build {service} as a static binary"))
    use_arg = rng.random() < 0.5
    if use_arg:
        blocks.append([f"ARG GO_VERSION={gover}"])
        gotag = "${GO_VERSION}"
    else:
        gotag = gover
    builder = f"golang:{gotag}-alpine" if alpine_builder else f"golang:{gotag}-bookworm"
    if sloppy and not use_arg and rng.random() < 0.3:
        builder = "golang:latest"
        alpine_builder = False
    blocks.append([f"FROM {builder} AS build"])
    if alpine_builder:
        blocks.append(["RUN apk add --no-cache git ca-certificates"])
    blocks.append(["WORKDIR /src"])
    blocks.append(["# Cache modules separately from the sources"])
    blocks[-1].append("COPY go.mod go.sum ./")
    blocks.append(["RUN go mod download"])
    blocks.append(["COPY . ."])
    blocks.append(["ARG VERSION=dev", "ARG COMMIT=unknown"])
    if rng.random() < 0.4:
        blocks.append(["RUN go vet ./... && go test ./..."])
    build = continued(
        [
            "RUN CGO_ENABLED=0 GOOS=linux go build -trimpath",
            '    -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}"',
            f"    -o /out/{service} ./cmd/{service}",
        ]
    )
    if rng.random() < 0.2:
        build[0] = build[0].replace("RUN ", "RUN --mount=type=cache,target=/root/.cache/go-build ")
    blocks.append(build)
    if target == "scratch":
        blocks.append(["FROM scratch"])
    elif target == "distroless":
        tag = rng.choice(
            ("static-debian12:nonroot", "static-debian12", "static:nonroot", "base-debian12")
        )
        blocks.append([f"FROM gcr.io/distroless/{tag}"])
    else:
        blocks.append(
            [
                f"FROM {image(rng, 'busybox', ('1.36', '1.36-musl', 'stable'), 0.4 if sloppy else 0.0)}"
            ]
        )
    blocks.append(labels(rng, service))
    copies = []
    if target == "scratch":
        copies.append("COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/")
        if rng.random() < 0.5:
            copies.append("COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo")
    copies.append(f"COPY --from=build /out/{service} /usr/local/bin/{service}")
    if rng.random() < 0.4:
        copies.append(f"COPY config/{service}.yaml /etc/{service}/config.yaml")
    blocks.append(copies)
    if target == "busybox" and rng.random() < 0.5:
        blocks.append(
            continued(
                [
                    f"RUN mkdir -p /var/lib/{service}",
                    f"    && chown 65532:65532 /var/lib/{service}",
                ]
            )
        )
    blocks.append([f"EXPOSE {port}"])
    blocks.append(["USER 65532:65532" if target != "busybox" else "USER nobody"])
    if target == "busybox":
        blocks.append(healthcheck(rng, port, tool="wget"))
    blocks.append([f'ENTRYPOINT ["/usr/local/bin/{service}"]'])
    if rng.random() < 0.5:
        blocks[-1].append(f'CMD ["serve", "--addr", ":{port}"]')
    return blocks


def java_service(rng: random.Random, service: str, sloppy: bool) -> list[Block]:
    port = rng.choice((8080, 8080, 8081, 9000))
    jdk = rng.choice(("17", "21"))
    gradle = rng.random() < 0.45
    runtime_variant = rng.choice(("-jre-jammy", "-jre-alpine", "-jre"))
    alpine = runtime_variant == "-jre-alpine"
    blocks = merged_header(
        header(rng, f"{service} (Spring Boot, {'Gradle' if gradle else 'Maven'})")
    )
    if gradle:
        blocks.append([f"FROM gradle:{rng.choice(('8.5', '8.7', '8.10'))}-jdk{jdk} AS build"])
        blocks.append(["WORKDIR /home/gradle/project"])
        blocks.append(
            [
                "COPY --chown=gradle:gradle build.gradle settings.gradle ./",
                "COPY --chown=gradle:gradle gradle ./gradle",
            ]
        )
        blocks.append(["RUN gradle dependencies --no-daemon > /dev/null 2>&1 || true"])
        blocks.append(["COPY --chown=gradle:gradle src ./src"])
        blocks.append(["RUN gradle bootJar --no-daemon -x test"])
        artefact = "/home/gradle/project/build/libs/*.jar"
    else:
        blocks.append([f"FROM maven:3.9-eclipse-temurin-{jdk} AS build"])
        blocks.append(["WORKDIR /build"])
        blocks.append(["COPY pom.xml ."])
        blocks.append(["RUN mvn -B -q dependency:go-offline"])
        blocks.append(["COPY src ./src"])
        blocks.append(["RUN mvn -B -q package -DskipTests"])
        artefact = f"/build/target/{service}-*.jar"
    runtime = f"eclipse-temurin:{jdk}{runtime_variant}"
    if sloppy and rng.random() < 0.25:
        runtime = "eclipse-temurin:latest"
        alpine = False
    blocks.append([f"FROM {runtime}"])
    blocks.append(labels(rng, service))
    if alpine:
        blocks.append(["RUN apk add --no-cache curl"])
    elif rng.random() < 0.6:
        blocks.extend(apt_install(rng, ["curl"], sloppy=sloppy))
    blocks.append(user_block(rng, "spring", "/opt/app", alpine=alpine))
    blocks.append(["WORKDIR /opt/app"])
    blocks.append([f"COPY --from=build {artefact} app.jar"])
    blocks.append(
        continued(
            [
                f'ENV JAVA_OPTS="-XX:MaxRAMPercentage={rng.choice(("50.0", "75.0", "80.0"))}"',
                f"    SERVER_PORT={port}",
                f"    SPRING_PROFILES_ACTIVE={rng.choice(('prod', 'production', 'docker'))}",
            ]
        )
    )
    blocks.append([f"EXPOSE {port}"])
    blocks.append(["USER spring"])
    if alpine or rng.random() < 0.7:
        blocks.append(
            continued(
                [
                    "HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3",
                    f"    CMD curl -fsS http://localhost:{port}/actuator/health || exit 1",
                ]
            )
        )
    blocks.append(['ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/app/app.jar"]'])
    return blocks


Family = Callable[[random.Random, str, bool], list[Block]]
FAMILIES: tuple[tuple[str, Family, int], ...] = (
    ("debian", debian_service, 20),
    ("alpine", alpine_service, 12),
    ("python", python_app, 22),
    ("node", node_app, 18),
    ("go", go_service, 14),
    ("java", java_service, 14),
)


def pad(rng: random.Random, blocks: list[Block], service: str, tight: float) -> None:
    """Add ordinary metadata and comments until the file reaches the minimum length."""
    notes = (
        "# Keep this image small: no build tools in the final stage",
        f"# Owned by the {rng.choice(TEAMS)} team; see docs/runbook.md",
        "# Configuration is read from the environment at start-up",
        "# Rebuilt nightly by CI",
    )
    extras: list[Block] = [
        [rng.choice(notes)],
        continued(["ENV LOG_LEVEL=info", "    LOG_FORMAT=json"]),
        [f'LABEL com.example.service="{service}"'],
        [f"STOPSIGNAL {rng.choice(('SIGTERM', 'SIGINT', 'SIGQUIT'))}"],
    ]
    # Insert after the last FROM so every extra lands in the final stage.
    last_from = max(i for i, b in enumerate(blocks) if b[0].startswith("FROM "))
    position = last_from + 2
    while len(assemble(blocks, tight).splitlines()) < MIN_LINES and extras:
        blocks.insert(position, extras.pop(0))


def generate_one(seed: int, index: int) -> GeneratedDockerfile:
    """The Dockerfile at ``index`` for ``seed``; independent of every other index."""
    rng = random.Random(f"imagekit-bench:{seed}:{index}")
    names = [f[0] for f in FAMILIES]
    weights = [f[2] for f in FAMILIES]
    family_name = rng.choices(names, weights=weights)[0]
    builder = next(f[1] for f in FAMILIES if f[0] == family_name)
    for _ in range(100):
        service = rng.choice(SERVICES)
        sloppy = rng.random() < 0.35
        blocks = builder(rng, service, sloppy)
        tight = rng.choice((0.0, 0.0, 0.5, 0.9))
        pad(rng, blocks, service, tight)
        text = assemble(blocks, tight)
        if MIN_LINES <= len(text.splitlines()) <= MAX_LINES:
            return GeneratedDockerfile(index, family_name, service, text)
    raise RuntimeError(
        f"could not generate a {family_name} Dockerfile of {MIN_LINES}-{MAX_LINES} lines"
    )


def generate(count: int, seed: int) -> list[GeneratedDockerfile]:
    return [generate_one(seed, i) for i in range(count)]


def write_corpus(root: Path, count: int, seed: int) -> list[GeneratedDockerfile]:
    """Write ``count`` Dockerfiles under ``root`` and return them (paths via ``relpath``)."""
    files = generate(count, seed)
    for f in files:
        path = root / f.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f.text, encoding="utf-8")
    return files


# --- validation --------------------------------------------------------------------------------


INSTRUCTIONS = frozenset(
    words(
        "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN "
        "SHELL STOPSIGNAL USER VOLUME WORKDIR"
    )
)


def check_with_dockerfile_package(files: Sequence[GeneratedDockerfile]) -> list[str]:
    """Parse every file with the ``dockerfile`` package (BuildKit's parser); return problems."""
    try:
        import dockerfile  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return ["the 'dockerfile' package is not installed; skipped its parse check"]
    problems = []
    for f in files:
        try:
            commands = dockerfile.parse_string(f.text)
        except Exception as exc:  # any parser failure is reported with the file
            problems.append(f"{f.relpath}: {exc}")
            continue
        if not commands or commands[0].cmd.upper() not in ("FROM", "ARG"):
            problems.append(f"{f.relpath}: does not start with FROM or ARG")
        for c in commands:
            where = f"{f.relpath}:{c.start_line}"
            if c.cmd.upper() not in INSTRUCTIONS:
                problems.append(f"{where}: unknown instruction {c.cmd}")
            elif c.cmd.upper() in ("CMD", "ENTRYPOINT") and c.value[:1] == ("[",):
                problems.append(f"{where}: malformed JSON (exec) form")
            elif c.cmd.upper() in ("CMD", "ENTRYPOINT") and "[" in c.original and not c.json:
                problems.append(f"{where}: exec form not parsed as JSON")
    return problems


def executable(text: str) -> Path:
    """A program path usable from any working directory: absolute, or looked up on PATH."""
    if os.sep in text or (os.altsep and os.altsep in text):
        return Path(text).absolute()
    found = shutil.which(text)
    return Path(found) if found else Path(text)


def check_with_hadolint(
    hadolint: Path, root: Path, relpaths: Sequence[str]
) -> tuple[list[str], Counter[str]]:
    """Run hadolint over ``relpaths``: parse errors (DL1000) as problems, and rule counts."""
    proc = subprocess.run(
        [str(hadolint), "--no-fail", "--format", "json", *relpaths],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return [f"hadolint exited {proc.returncode}: {proc.stderr.strip()}"], Counter()
    findings = json.loads(proc.stdout or "[]")
    problems = [
        f"{item['file']}:{item['line']}: {item['message']}"
        for item in findings
        if item.get("code") == "DL1000"
    ]
    return problems, Counter(str(item["code"]) for item in findings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="directory to write the corpus to")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--check", action="store_true", help="parse every file with dockerfile and hadolint"
    )
    parser.add_argument(
        "--hadolint", type=executable, default=Path(sys.executable).parent / "hadolint"
    )
    args = parser.parse_args(argv)
    files = write_corpus(args.out, args.count, args.seed)
    lengths = [f.line_count for f in files]
    families = Counter(f.family for f in files)
    print(f"wrote {len(files)} Dockerfiles under {args.out}")
    print(f"lines: min {min(lengths)}, max {max(lengths)}, mean {sum(lengths) / len(lengths):.1f}")
    print("families: " + ", ".join(f"{k} {v}" for k, v in sorted(families.items())))
    if not args.check:
        return 0
    problems = check_with_dockerfile_package(files)
    hadolint_problems, counts = check_with_hadolint(
        args.hadolint, args.out, [f.relpath for f in files]
    )
    problems += hadolint_problems
    print(f"checked {len(files)} files with the dockerfile package and hadolint")
    print("hadolint findings: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
