# `make help` lists the targets. Every target creates the virtual environment and the editable
# install it needs, so a fresh clone needs nothing but Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help demo test test-gpu bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## run the scripted REPL-style demo
	$(PY) demo.py

test: $(STAMP)  ## run the test suite (CPU only; GPU tests skip without a GPU)
	$(PY) -m pytest

test-gpu: $(STAMP)  ## on a machine with an NVIDIA GPU: the GPU tests and the GPU bench
	$(PY) -c "import cuda.bindings" 2>/dev/null || $(PY) -m pip install -q cuda-bindings
	$(PY) -m pytest -m gpu -rs tests/
	$(PY) bench/gpu.py

bench: $(STAMP)  ## run the benchmarks against Numba, NumPy, plum, JAX and CPython, printing ratios
	$(PY) -c "import jax" 2>/dev/null || $(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/scalar.py
	$(PY) bench/arrays.py
	$(PY) bench/calls.py
	$(PY) bench/compile.py
	$(PY) bench/threads.py
	$(PY) bench/specialize.py
	$(PY) bench/cache_load.py
	$(PY) bench/structs.py
	$(PY) bench/numpy_library.py
	$(PY) bench/ad.py
	$(PY) bench/gpu.py

clean:  ## remove the virtual environment
	rm -rf $(VENV)
