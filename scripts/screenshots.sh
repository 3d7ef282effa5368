#!/usr/bin/env bash
# Screenshot-equivalents: the live view captured from tmux during a 4-node run and the HTML
# report rendered by headless Chromium, as text/PNG files in screenshots/ (gitignored).
# Needs tmux and chromium (apt-get install tmux chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
node dist/bench/screenshots.js
