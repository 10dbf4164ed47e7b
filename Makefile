# Set-up is part of every target: a fresh machine with Python and make needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench bench-quick setup wordnet clean

run: setup
	$(BIN)/wordrep run

test: setup
	CI=$(CI) $(BIN)/python -m pytest -q

setup: $(STAMP) wordnet

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[test,cluster]'
	touch $@

# WordNet: NLTK's downloader where there is internet, else Debian's packages (as root),
# else `wordrep wordnet install` prints the commands to run.
wordnet: $(STAMP)
	@$(BIN)/wordrep -q wordnet status >/dev/null 2>&1 || $(BIN)/wordrep wordnet install

clean:
	rm -rf $(VENV) *.egg-info

# Speed and memory against the references (see bench/); not timed tests.
bench: setup
	$(BIN)/python bench/bench.py

BENCH_OUT ?= bench/results-quick.json
bench-quick: setup
	$(BIN)/python bench/bench.py --quick --repeat 1 --out $(BENCH_OUT)
