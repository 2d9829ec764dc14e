#!/usr/bin/env bash
# Installs what the end-to-end browser test (e2e/browser_test.go) needs, on a
# fresh machine or again (it only does what is missing):
#   - headless Chromium, from Debian's packages (apt-get, as root or with sudo);
#   - axe-core, the version package-lock.json pins, into node_modules/ here.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	echo "browser test: installing Debian's chromium" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
chromium_bin="$(command -v chromium || command -v chromium-browser)"
"$chromium_bin" --version >&2

want="$(node -p 'require("./package-lock.json").packages["node_modules/axe-core"].version')"
have="$(node -p 'try { require("./node_modules/axe-core/package.json").version } catch (e) { "" }')"
if [ "$want" != "$have" ]; then
	echo "browser test: installing axe-core $want" >&2
	npm ci --no-audit --no-fund --loglevel=error
fi
echo "browser test: axe-core $want ready" >&2
