# `make run` and `make test` install whatever is missing, so both work on a fresh machine.
# Every install step checks first and skips a tool that is present at the right version.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO_LEPTOS_VERSION := 0.3.10
SCHEMATHESIS_VERSION := 4.32.0
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/"/, "", $$3); print $$3}' Cargo.lock)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# A clean CI clone builds everything once; incremental caches would only fill the disk.
ifdef CI
export CARGO_INCREMENTAL := 0
endif

# The npm-installed wasm-opt (binaryen 132) must win over any older system one.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run test build unit-test api-contract-test e2e-test tools rust-tools node-tools schemathesis-tools chromium postgresql nginx sqlite3 clean

run: tools build
	mkdir -p data
	./target/release/tessera serve

test: tools chromium postgresql nginx sqlite3 unit-test build api-contract-test e2e-test

# --split puts each lazy route's code in a wasm chunk of its own (see App in app/src/lib.rs).
# The server sends the brotli or gzip copies that precompress.mjs writes beside each file.
# cargo-leptos hashes every file it finds under pkg/, the last build's compressed copies
# included, and then fails to read them as text: they go first.
build: tools
	[ ! -d target/site/pkg ] || find target/site/pkg \( -name '*.br' -o -name '*.gz' \) -delete
	cargo leptos build --release --split
	node scripts/precompress.mjs target/site/pkg

# The server's integration tests run twice: on SQLite files, then on a throwaway PostgreSQL.
unit-test: postgresql nginx
	cargo test -p app --features ssr
	cargo test -p server
	server/tests/with-postgres.sh cargo test -p server --tests

# schemathesis sends requests made from /api/v1/openapi.json to the release server and checks
# every answer against the document (scripts/schemathesis.sh: `--checks all`, a token with
# every permission, a fresh database); sqlite3 reads the permissions to give that token.
api-contract-test: schemathesis-tools sqlite3
	scripts/schemathesis.sh

e2e-test: chromium node-tools sqlite3
	end2end/run.sh

tools: rust-tools node-tools

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -qF "$(CARGO_LEPTOS_VERSION)" \
	  || cargo install cargo-leptos@$(CARGO_LEPTOS_VERSION) --locked --features no_downloads
	@# Not --locked: one of wasm-bindgen-cli's locked dependencies is gone from the registry.
	@wasm-bindgen --version 2>/dev/null | grep -qF "$(WASM_BINDGEN_VERSION)" \
	  || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

node-tools: end2end/node_modules/.installed

# schemathesis comes from PyPI into a virtual environment of the repository's own, so no
# system Python package changes. Debian's python3 makes one only with python3-venv.
schemathesis-tools:
	@.venv/bin/schemathesis --version 2>/dev/null | grep -qx "schemathesis, version $(SCHEMATHESIS_VERSION)" \
	  || { [ -x .venv/bin/pip ] || python3 -m venv .venv 2>/dev/null \
	         || { rm -rf .venv && $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv \
	              && python3 -m venv .venv; }; \
	       .venv/bin/pip install --quiet "schemathesis==$(SCHEMATHESIS_VERSION)"; }

end2end/node_modules/.installed: end2end/package-lock.json
	cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y postgresql; }

# end2end/run.sh ages a token in the database with it.
sqlite3:
	@command -v sqlite3 >/dev/null \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y sqlite3; }

chromium:
	@command -v chromium >/dev/null \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# For server/tests/integration/gateway_nginx.rs, which runs its own nginx on a free port. The package
# also starts a system nginx on port 80 where an init system runs and the port is free; the
# tests never use it. In containers (policy-rc.d, or no init) nothing is started.
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y nginx; }

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results end2end/screenshots .venv
