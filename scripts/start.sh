#!/usr/bin/env bash
# `npm start`: build the widget and the backend, then serve the API (and, in local demo
# mode, the demo page at /demo/) on PORT (8000), with the embedded database by default.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"
npm run build --silent
# Relative settings (PGLITE_DATA_DIR) are taken from where the user ran `npm start`.
cd "${INIT_CWD:-$PULSE_ROOT}"
exec node "$PULSE_ROOT/backend/dist/main.js"
