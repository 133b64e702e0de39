# Fresh machine: `make run` and `make test` are all you need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench bench-peer schema clean messages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip uv
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@echo "talentvisa: comparing every program for examples/indian-stem-graduate.yaml (today)"
	@$(BIN)/talentvisa compare examples/indian-stem-graduate.yaml
	@$(BIN)/talentvisa db upgrade
	@$(BIN)/talentvisa demo load
	@$(BIN)/talentvisa serve --host 127.0.0.1 --port $${PORT:-8000} --insecure-cookies

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: install lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/lottery.py
	$(BIN)/python bench/simulation.py
	$(BIN)/python bench/service.py
	$(BIN)/python bench/path.py
	$(BIN)/python bench/h1b.py --n 500000
	$(BIN)/python bench/selection.py
	$(BIN)/python bench/work_queue.py
	$(MAKE) bench-peer

# talentvisa beside OpenFisca (the optional extra `bench` holds the peer engine).
bench-peer: install
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev,bench]'
	$(BIN)/python bench/peer.py

schema: install
	$(BIN)/talentvisa schema --out schema/program.schema.json
	$(BIN)/talentvisa schema --facts --out schema/facts.schema.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The message catalogs of the portal and the CLI: extract every message, then merge into each
# language's .po. Translate new entries in src/talentvisa/locale/zh_Hans/LC_MESSAGES/messages.po.
PKG := src/talentvisa
messages: install
	cd $(PKG) && ../../$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output \
		--project talentvisa -o /tmp/talentvisa-messages.pot .
	for l in en zh_Hans; do \
		test -f $(PKG)/locale/$$l/LC_MESSAGES/messages.po || \
			$(BIN)/pybabel -q init -i /tmp/talentvisa-messages.pot -d $(PKG)/locale -l $$l; \
		$(BIN)/pybabel -q update -i /tmp/talentvisa-messages.pot -d $(PKG)/locale -l $$l \
			--no-fuzzy-matching --ignore-obsolete; \
	done
