#!/usr/bin/env bash
# Build the one-folder bundle dist/ponder/ and the release tarball
# dist/ponder-<version>-linux-<arch>.tar.gz (the bundle plus install.sh and uninstall.sh).
#
#     packaging/build.sh                 # uses $PYTHON, else the active venv, else .venv/bin/python
#     PYTHON=/path/to/python packaging/build.sh
#
# PyInstaller is installed into that environment if it is missing (pinned below). The environment
# must already hold Ponder's run-time dependencies with the CPU build of torch; the spec refuses
# a GPU build and any missing input. Takes 3-5 minutes on two cores.
set -euo pipefail

readonly PYINSTALLER_VERSION=6.22.3

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -n "${PYTHON:-}" ]]; then
    python="$PYTHON"
elif [[ -n "${VIRTUAL_ENV:-}" ]]; then
    python="$VIRTUAL_ENV/bin/python"
elif [[ -x .venv/bin/python ]]; then
    python=.venv/bin/python
else
    python=python3
fi
if ! "$python" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
    echo "build.sh: $python is not in a virtual environment; activate one or set PYTHON=" >&2
    exit 1
fi

installed="$("$python" -c 'import PyInstaller; print(PyInstaller.__version__)' 2>/dev/null || true)"
if [[ -z "$installed" ]]; then
    echo "build.sh: installing pyinstaller==$PYINSTALLER_VERSION into $("$python" -c 'import sys; print(sys.prefix)')"
    "$python" -m pip install --quiet "pyinstaller==$PYINSTALLER_VERSION"
elif [[ "$installed" != "$PYINSTALLER_VERSION" ]]; then
    echo "build.sh: warning: PyInstaller $installed is installed; the spec is tested with $PYINSTALLER_VERSION" >&2
fi

version="$("$python" -c 'import sys; sys.path.insert(0, "."); import core; print(core.__version__)')"
arch="$(uname -m)"
name="ponder-$version-linux-$arch"

rm -rf dist/ponder
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/ponder.spec

[[ -x dist/ponder/ponder ]] || {
    echo "build.sh: PyInstaller finished but dist/ponder/ponder is missing" >&2
    exit 1
}

# Stage the release folder with hard links where possible (the bundle is ~1 GB), then pack it.
stage="build/release/$name"
rm -rf "build/release"
mkdir -p "$stage"
cp -al dist/ponder "$stage/ponder" 2>/dev/null || cp -a dist/ponder "$stage/ponder"
install -m 0755 packaging/install.sh packaging/uninstall.sh "$stage/"
tarball="dist/$name.tar.gz"
rm -f "$tarball"
tar -C build/release --owner=0 --group=0 --numeric-owner -czf "$tarball" "$name"
rm -rf "build/release"

echo "bundle:  dist/ponder ($(du -sh dist/ponder | cut -f1))"
echo "tarball: $tarball ($(du -h "$tarball" | cut -f1))"
