# Sourced by scripts: apt_install WHO PACKAGE... installs Debian packages with apt-get (as root, or with
# sudo), or exits 1 saying what to install when this user cannot.
apt_install() {
  local who="$1"
  shift
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "$who: $* missing and this user cannot install it: run as root, or apt-get install $*" >&2; exit 1; }
    sudo=(sudo)
  fi
  # The variable goes after sudo, which resets the environment.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
