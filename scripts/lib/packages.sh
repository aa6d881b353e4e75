# Installs the Debian packages keapsync needs to build and test, when missing.
# Sourced by scripts/test, scripts/fuzz and scripts/demo; idempotent; sudo when not root.

KEAPSYNC_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libboost1.81-dev libpqxx-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libssl-dev libsystemd-dev libgtest-dev openssl postgresql python3 systemd
)

# Node.js for the OpenAPI check (npm's Prism): Debian's, unless one is installed.
ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  ensure_packages nodejs npm
}

ensure_packages() {
  local missing=() p
  for p in "${KEAPSYNC_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
