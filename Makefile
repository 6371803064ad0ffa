PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test demo readme bench services services-down

venv: $(STAMP)

# Re-install when the dependencies change; the editable install picks up code changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# What the tests use (.ci/services): the docker engine, a local registry and the base-image
# tools; `up` is a no-op when they are already there. What it starts keeps running until
# `make services-down`.
services:
	bash .ci/services up

services-down:
	bash .ci/services down

test: venv services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy imagekit
	$(BIN)/pytest -q

# Lint the examples; findings (exit 1) are the point of the demo, so only exit codes
# above 1 fail the target.
demo: venv
	@status=0; $(BIN)/imagekit lint examples/ || status=$$?; \
	echo "imagekit lint examples/ exited with $$status"; \
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
