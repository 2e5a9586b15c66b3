# Node.js and npm for the build (the pages' npm packages, embedded in the API) and the tests (tests/conformance).
# Sourced by run.sh and test.sh; needs bash.

node_ensure_installed() {
  if command -v npm >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "npm not found: installing Debian's nodejs and npm packages..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
    return 0
  fi
  echo "Node.js and npm are needed to build the service's pages and run the conformance tests (Debian: sudo apt-get install nodejs npm)." >&2
  return 1
}
