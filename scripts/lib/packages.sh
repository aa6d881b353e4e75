# Installs the Debian packages keapsync needs to build and test, when missing.
# Sourced by scripts/test and scripts/demo; idempotent; sudo when not root.

KEAPSYNC_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libboost1.81-dev libpqxx-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libssl-dev libsystemd-dev libgtest-dev openssl postgresql
)

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
