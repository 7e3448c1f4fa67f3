#!/usr/bin/env bash
# Install Attest from this unpacked bundle into PREFIX, with no network: every file comes from this folder.
#   ./install.sh PREFIX [--desktop]
# PREFIX/lib/attest holds the Python environment (made with the system's python3.11), PREFIX/bin/attest starts it,
# PREFIX/lib/attest/uninstall.sh removes what this script made. --desktop adds the menu launcher (attest.desktop and
# its icon): under PREFIX/share when run as root, else under ~/.local/share (this user only).
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 PREFIX [--desktop]   (e.g. sudo $0 /opt/attest --desktop, or $0 ~/.local --desktop)" >&2; exit 2; }

PREFIX="" DESKTOP=0
for arg in "$@"; do
  case "$arg" in
    --desktop) DESKTOP=1 ;;
    -h|--help) usage ;;
    -*) echo "install.sh: unknown option $arg" >&2; usage ;;
    *) [ -z "$PREFIX" ] || usage; PREFIX=$arg ;;
  esac
done
[ -n "$PREFIX" ] || usage

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || die "needs Python 3.11 ($PY not found). On Debian 12: sudo apt-get install python3.11 python3-venv"
"$PY" -c 'import sys, platform; sys.exit(sys.version_info[:2] != (3, 11) or platform.machine() != "x86_64")' ||
  die "this bundle is for CPython 3.11 on Linux x86_64; $PY is $("$PY" -c 'import sys, platform; print(sys.version.split()[0], platform.machine())')"

echo "Checking the bundle's files against SHA256SUMS..."
sha256sum --quiet --strict -c SHA256SUMS || die "a file of the bundle is damaged or was changed (see above); copy the archive again"

PREFIX=$(realpath -m "$PREFIX")
APP=$PREFIX/lib/attest
if [ -e "$APP" ]; then
  [ -e "$APP/.attest-bundle" ] || die "$APP exists and was not made by this installer; choose another PREFIX"
  echo "Replacing the Attest installed in $APP ($(cat "$APP/.attest-bundle"))."
  # A launcher it had stays (made again below, for this install), so the menu entry is not lost on an update.
  [ -e "$APP/.attest-launcher" ] && DESKTOP=1
  rm -rf "$APP"
fi
mkdir -p "$APP" "$PREFIX/bin"
if ! "$PY" -m venv "$APP/venv" || [ ! -x "$APP/venv/bin/pip" ]; then
  rm -rf "$APP"
  die "could not create a Python environment with $PY. On Debian 12: sudo apt-get install python3-venv"
fi

# The site's pip configuration (an index, find-links, constraints) has no say: these wheels, these hashes, nothing else.
unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_CONSTRAINT PIP_REQUIREMENT PIP_REQUIRE_VIRTUALENV
export PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
echo "Installing $(grep -c '^[a-z0-9]' requirements.lock) packages from wheels/ (no network)..."
"$APP/venv/bin/python" -m pip install -q --no-index --find-links wheels --require-hashes -r requirements.lock
"$APP/venv/bin/python" -m pip install -q --no-index --no-deps wheels/attest-*.whl

cp sbom.cdx.json SHA256SUMS requirements.lock "$APP/"
ln -sfn "$APP/venv/bin/attest" "$PREFIX/bin/attest"
CREATED=("$PREFIX/bin/attest")

if [ "$DESKTOP" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then SHARE=$PREFIX/share; else SHARE=${XDG_DATA_HOME:-$HOME/.local/share}; fi
  ICON=$SHARE/icons/hicolor/scalable/apps/attest.svg
  LAUNCHER=$SHARE/applications/attest.desktop
  install -D -m 644 attest.svg "$ICON"
  mkdir -p "$(dirname "$LAUNCHER")"
  sed -e "s|@EXEC@|$PREFIX/bin/attest|" -e "s|@ICON@|$ICON|" attest.desktop > "$LAUNCHER"
  chmod 644 "$LAUNCHER"
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$(dirname "$LAUNCHER")" || true
  CREATED+=("$LAUNCHER" "$ICON")
  echo "Launcher: $LAUNCHER (Attest appears in the applications menu)."
  case ":${XDG_DATA_DIRS:-/usr/local/share:/usr/share}:" in
    *":$SHARE:"*|*":$SHARE/:"*) ;;
    *) [ "$(id -u)" = 0 ] && echo "Note: $SHARE is not in XDG_DATA_DIRS, so desktops will not look there; PREFIX=/usr/local puts it where they do, or copy $LAUNCHER to /usr/share/applications." ;;
  esac
fi

{
  echo '#!/usr/bin/env bash'
  echo '# Remove the Attest that install.sh put here. The data folder (~/.local/share/Attest) and settings stay.'
  echo 'set -eu'
  for f in "${CREATED[@]}"; do printf 'rm -f %q\n' "$f"; done
  printf 'rm -rf %q\n' "$APP"
  echo 'echo "Attest removed."'
} > "$APP/uninstall.sh"
chmod 755 "$APP/uninstall.sh"
echo "$(basename "$HERE")" > "$APP/.attest-bundle"
[ "$DESKTOP" = 1 ] && echo "$LAUNCHER" > "$APP/.attest-launcher"

# System libraries: the window and the PDF preview need Debian packages that no wheel carries. Named, not installed
# (this machine may have no package source); the commands work without them.
missing=()
while read -r pkg need _; do
  case "$need" in qt|window|pdf-preview) dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;; esac
done < <(grep -v '^[[:space:]]*#' system-packages.txt | awk 'NF')
if [ ${#missing[@]} -gt 0 ] && command -v dpkg >/dev/null; then
  echo "The window needs these Debian packages, not installed here: sudo apt-get install ${missing[*]}"
fi
echo "Installed Attest $("$PREFIX/bin/attest" --version 2>/dev/null | awk '{print $NF}') in $APP ($(du -sh "$APP" | cut -f1)). Start it with: $PREFIX/bin/attest"
echo "Uninstall with: $APP/uninstall.sh"
