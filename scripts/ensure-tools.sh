#!/usr/bin/env bash
# Installs what planwire's build, demo and tests need, skipping what is already there.
# Idempotent: safe to run before every `npm run demo` / `npm test`.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # ROOT, and cargo's bin on PATH

log() { printf '[ensure-tools] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# 1. Rust target for the browser client.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 1b. The pinned nightly the release wasm is built with (WASM_NIGHTLY_* in lib.sh): an installed
# `nightly` that reports exactly the pinned rustc, with rust-src and the wasm32 target added if missing;
# otherwise the dated channel, installed minimal. Never fails the setup: without it, one loud line and
# scripts/build-wasm.sh builds with stable (the tested fallback). PLANWIRE_WASM_TOOLCHAIN=stable skips it.
if [ "${PLANWIRE_WASM_TOOLCHAIN:-auto}" != stable ] && ! nightly_ready "$WASM_NIGHTLY_CHANNEL" && ! nightly_ready nightly; then
  if [ "$(RUSTUP_AUTO_INSTALL=0 rustc +nightly --version 2>/dev/null)" = "$WASM_NIGHTLY_RUSTC" ]; then
    log "adding rust-src and wasm32-unknown-unknown to the installed nightly ($WASM_NIGHTLY_RUSTC, the pinned one)"
    rustup component add rust-src --toolchain nightly || true
    rustup target add wasm32-unknown-unknown --toolchain nightly || true
  fi
  if ! nightly_ready nightly; then
    log "installing $WASM_NIGHTLY_CHANNEL (minimal, rust-src, wasm32-unknown-unknown) for the release wasm"
    # At most 10 minutes (CI has 90 for everything); a cut-off install is simply not ready.
    timeout 600 rustup toolchain install "$WASM_NIGHTLY_CHANNEL" --profile minimal -c rust-src \
      -t wasm32-unknown-unknown --no-self-update || true
  fi
  if ! nightly_ready "$WASM_NIGHTLY_CHANNEL" && ! nightly_ready nightly; then
    log "WARNING: no pinned nightly ($WASM_NIGHTLY_CHANNEL, $WASM_NIGHTLY_RUSTC, with rust-src): the release wasm falls back to STABLE Rust (about 5 KB gzip larger)"
  fi
fi

# 2. Debian packages: browsers and their drivers. (wasm-opt comes from npm's binaryen, step 4: Debian's
# binaryen 108 corrupts modules that use reference types.)
missing_pkgs=()
have chromium || missing_pkgs+=(chromium)
have chromedriver || missing_pkgs+=(chromium-driver)
have firefox-esr || have firefox || missing_pkgs+=(firefox-esr)
# WebKit (Safari's engine) for the packaging matrix: WebKitGTK's WebDriver and MiniBrowser, under Xvfb,
# installed with their recommended packages (GL, media), as verified here.
webkit_pkgs=()
have WebKitWebDriver || webkit_pkgs+=(webkit2gtk-driver)
have Xvfb || webkit_pkgs+=(xvfb)
if [ "$(( ${#missing_pkgs[@]} + ${#webkit_pkgs[@]} ))" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  if [ "${#missing_pkgs[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
  fi
  if [ "${#webkit_pkgs[@]}" -gt 0 ]; then
    log "installing Debian packages: ${webkit_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${webkit_pkgs[@]}" >/dev/null
  fi
fi

# 3. Cargo-installed tools: wasm-bindgen's CLI at exactly the crate's pinned version (wasm-pack uses
# the one on PATH), wasm-pack, and Firefox's WebDriver. The pin is the one `wasm-bindgen = "=X.Y.Z"`
# line of the root Cargo.toml's [workspace.dependencies].
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9][0-9.]*\)"$/\1/p' "$ROOT/Cargo.toml")"
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  log 'no `wasm-bindgen = "=X.Y.Z"` line in Cargo.toml [workspace.dependencies]'
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if ! have wasm-pack; then
  log "installing wasm-pack"
  cargo install wasm-pack
fi
if ! have geckodriver; then
  log "installing geckodriver"
  cargo install geckodriver
fi

# 4. npm packages (workspaces, and binaryen's wasm-opt), only when package.json or the lock changed.
cd "$ROOT"
if [ -f package.json ]; then
  stamp="node_modules/.planwire-install-stamp"
  want="$(cat package.json pkg-js/package.json tests/package.json demo/package.json bench/package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing npm packages"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
    mkdir -p node_modules && echo "$want" > "$stamp"
  fi
fi
select_wasm_toolchain
log "tools ready (release wasm: ${WASM_TOOLCHAIN}${WASM_RUSTUP_TOOLCHAIN:+ $WASM_RUSTUP_TOOLCHAIN})"
