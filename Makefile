# The two commands a new machine needs: `make kit` and `make test`. Each sets itself up first.
VENV ?= .venv
KIT = $(VENV)/bin/kit
RUNTIME_STAMP = $(VENV)/.runtime-installed
TEST_STAMP = $(VENV)/.test-installed

.PHONY: kit test check bench clean serve publish studio

kit: $(RUNTIME_STAMP)
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
	$(KIT) check

bench: $(RUNTIME_STAMP)
	$(VENV)/bin/python scripts/bench.py $(BENCH_ARGS)

serve: $(RUNTIME_STAMP)
	$(KIT) serve

studio: $(RUNTIME_STAMP)
	$(KIT) studio

publish: $(RUNTIME_STAMP)
	$(KIT) publish

clean:
	rm -rf outputs/kit outputs/site outputs/review outputs/manifest.sqlite*
