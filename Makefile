# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
VAR_DIR ?= var
export VAR_DIR

.PHONY: run test venv lint check screenshots bench clean vendor

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	@mkdir -p "$(VAR_DIR)"
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py seed_demo
	@echo ""
	@echo "  Switchboard is starting at http://$(HOST):$(PORT)/"
	@echo "  Demo login: demo@switchboard.local / Switchboard-demo1   (admin: admin@switchboard.local)"
	@echo "  Press Ctrl+C to stop the web server and the worker."
	@echo ""
	@DJANGO_SETTINGS_MODULE=config.settings.local $(PY) -m config.run --host $(HOST) --port $(PORT) --var-dir "$(VAR_DIR)"

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .

check: venv
	$(PY) manage.py makemigrations --check --dry-run

screenshots: venv
	$(PY) -m pytest tests/browser -m browser --screenshots -q

clean:
	rm -rf $(VENV) var

vendor:
	npm install --no-audit --no-fund --prefix var/npm chart.js@4.5.1
	cp var/npm/node_modules/chart.js/dist/chart.umd.min.js var/npm/node_modules/chart.js/LICENSE.md static/vendor/chartjs/
