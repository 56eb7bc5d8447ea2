# Two commands set up a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint i18n-extract i18n-update i18n-compile migrate content-check

# The bot, and beside it the fake Bot API and the local demo (distributions of their own,
# in packages/): `make run` without a token starts the demo, and the tests use the fake.
$(STAMP): pyproject.toml packages/fake-telegram/pyproject.toml packages/demo/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" -e packages/fake-telegram -e packages/demo
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m bot

# Four workers: the tests mostly wait on sockets and subprocesses, so even two cores keep
# four busy (docs/architecture.md, "Tests"). Each test worker compiles the catalogues it needs
# (tests/conftest.py). `python -m pytest tests/...` runs one file alone.
test: lint
	$(BIN)/python -m pytest -n 4 --dist worksteal

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

migrate: install
	$(BIN)/python -m bot migrate

content-check: install
	$(BIN)/python -m bot content check

# The gettext cycle: extract msgids from the code, merge them into each catalogue, compile.
i18n-extract: install
	$(BIN)/pybabel extract --input-dirs=bot --keywords="__ N_" --no-location \
		--project=qorgan --sort-by-file -o bot/locales/messages.pot

# Only the base catalogues: ru@formal and kk@formal hold just the texts that differ for adults
# (their other msgids fall back to ru and kk), and a test checks their msgids still exist.
i18n-update: i18n-extract
	for locale in kk ru; do \
		$(BIN)/pybabel update -i bot/locales/messages.pot -d bot/locales -D messages -l $$locale \
			--no-fuzzy-matching --ignore-obsolete || exit 1; \
	done

i18n-compile: install
	$(BIN)/python -m bot i18n compile
