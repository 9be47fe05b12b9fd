# The two commands a new machine needs: `make kit` and `make test`. Each sets itself up first.
VENV ?= .venv
KIT = $(VENV)/bin/kit
RUNTIME_STAMP = $(VENV)/.runtime-installed
TEST_STAMP = $(VENV)/.test-installed
# Where PYTHONDONTWRITEBYTECODE is set (many containers, this project's CI machine), Python keeps no compiled
# modules, and every kit command compiled kit's own from source first: a third of a second of each build. Each
# command here compiles what changed (a tenth of a second when nothing did).
COMPILE = @$(VENV)/bin/python -m compileall -q kit

.PHONY: kit test check bench clean serve publish studio

kit: $(RUNTIME_STAMP)
	$(COMPILE)
	$(KIT) build

$(RUNTIME_STAMP): pyproject.toml scripts/bootstrap.sh scripts/packages-runtime.txt
	scripts/bootstrap.sh $(VENV)
	touch $@

$(TEST_STAMP): pyproject.toml scripts/bootstrap.sh scripts/packages-runtime.txt scripts/packages-test.txt tests/package-lock.json
	scripts/bootstrap.sh $(VENV) --test
	touch $(RUNTIME_STAMP) $@

test: $(TEST_STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

check: $(RUNTIME_STAMP)
	$(COMPILE)
	$(KIT) check

bench: $(RUNTIME_STAMP)
	$(COMPILE)
	$(VENV)/bin/python scripts/bench.py $(BENCH_ARGS)

serve: $(RUNTIME_STAMP)
	$(COMPILE)
	$(KIT) serve

studio: $(RUNTIME_STAMP)
	$(COMPILE)
	$(KIT) studio

publish: $(RUNTIME_STAMP)
	$(COMPILE)
	$(KIT) publish

clean:
	rm -rf outputs/kit outputs/site outputs/review outputs/manifest.sqlite*
