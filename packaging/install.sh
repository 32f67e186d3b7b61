#!/usr/bin/env bash
# Install the Ponder bundle for one user (or under PREFIX) and register it with the desktop.
#
# Run it from the unpacked release tarball, next to the ponder/ bundle folder:
#     ./install.sh
# or point it at a bundle elsewhere:
#     PONDER_BUNDLE=dist/ponder packaging/install.sh
#
# Where things go (PREFIX unset: per user, following the XDG base directory spec):
#     app          ${XDG_DATA_HOME:-~/.local/share}/ponder/app/      (PREFIX: $PREFIX/share/ponder/app)
#     command      ~/.local/bin/ponder -> app/ponder                 (PREFIX: $PREFIX/bin/ponder)
#     launcher     <data>/applications/org.ponder.Ponder.desktop, Exec= the installed binary
#     icons        <data>/icons/hicolor/<N>x<N>/apps/, <data>/icons/hicolor/scalable/apps/
#     metainfo     <data>/metainfo/org.ponder.Ponder.metainfo.xml
#     search       <data>/dbus-1/services/, <data>/krunner/dbusplugins/, GNOME Shell's provider
#                  in <data>/ponder/exports/share/ with ~/.config/environment.d/60-ponder.conf
#                  adding that to XDG_DATA_DIRS at login (per user only: `ponder
#                  desktop-integration install --user`)
# Running it again replaces the app and refreshes every file. uninstall.sh removes the same files.
set -euo pipefail

readonly APP_ID=org.ponder.Ponder
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="${PONDER_BUNDLE:-$here/ponder}"

if [[ -n "${PREFIX:-}" ]]; then
    data_dir="$PREFIX/share"
    bin_dir="$PREFIX/bin"
else
    : "${HOME:?HOME is not set}"
    data_dir="${XDG_DATA_HOME:-$HOME/.local/share}"
    bin_dir="$HOME/.local/bin"
fi
app_dir="$data_dir/ponder/app"

die() {
    echo "install.sh: $*" >&2
    exit 1
}

# Quote one argument for the Exec key of a desktop entry (Desktop Entry spec, "The Exec key"):
# reserved characters need double quotes, inside which \ " ` $ are backslash-escaped; % is
# doubled; then the value as a whole gets the string escaping that doubles backslashes again.
desktop_exec_arg() {
    local s=$1
    local bs="\\"
    s=${s//%/%%}
    if [[ $s =~ ^[A-Za-z0-9_./+,:@=%-]+$ ]]; then
        printf '%s' "$s"
        return
    fi
    s=${s//"$bs"/"$bs$bs"}
    s=${s//\"/"$bs"\"}
    s=${s//\`/"$bs"\`}
    s=${s//\$/"$bs"\$}
    s=${s//"$bs"/"$bs$bs"}
    printf '"%s"' "$s"
}

# --- Check the bundle ---------------------------------------------------------------------------

[[ -x "$bundle/ponder" && -f "$bundle/ponder" ]] || die "no executable bundle at $bundle/ponder"
[[ -f "$here/uninstall.sh" ]] || die "missing $here/uninstall.sh (it is copied into the app folder)"
resources="$bundle/_internal/resources"
[[ -f "$resources/$APP_ID.desktop" ]] || die "missing $resources/$APP_ID.desktop"
[[ -f "$resources/$APP_ID.metainfo.xml" ]] || die "missing $resources/$APP_ID.metainfo.xml"
[[ -f "$resources/icons/$APP_ID.svg" ]] || die "missing $resources/icons/$APP_ID.svg"
shopt -s nullglob
pngs=("$resources"/icons/hicolor/*/apps/"$APP_ID".png)
shopt -u nullglob
((${#pngs[@]})) || die "no PNG icons under $resources/icons/hicolor"
case "$app_dir" in
    *$'\n'*) die "install path contains a newline: $app_dir" ;;
esac
if [[ -e "$bin_dir/ponder" && ! -L "$bin_dir/ponder" ]]; then
    die "$bin_dir/ponder exists and is not a link to a Ponder bundle (a pip install?); remove it first"
fi

# --- App folder: copy beside, then swap, so a failed copy leaves the old install working ---------

mkdir -p "$data_dir/ponder"
rm -rf -- "$app_dir.new"
cp -a -- "$bundle" "$app_dir.new"
install -m 0755 -- "$here/uninstall.sh" "$app_dir.new/uninstall.sh"
rm -rf -- "$app_dir"
mv -- "$app_dir.new" "$app_dir"

mkdir -p "$bin_dir"
ln -sfn -- "$app_dir/ponder" "$bin_dir/ponder"

# --- Launcher, icons, metainfo ------------------------------------------------------------------

exec_path="$(desktop_exec_arg "$app_dir/ponder")"
try_exec_path="${app_dir//\\/\\\\}"/ponder
mkdir -p "$data_dir/applications"
desktop_tmp="$data_dir/applications/.$APP_ID.desktop.tmp"
while IFS= read -r line || [[ -n $line ]]; do
    case "$line" in
        "Exec=ponder" | "Exec=ponder "*) printf 'Exec=%s%s\n' "$exec_path" "${line#Exec=ponder}" ;;
        "TryExec=ponder") printf 'TryExec=%s\n' "$try_exec_path" ;;
        *) printf '%s\n' "$line" ;;
    esac
done <"$resources/$APP_ID.desktop" >"$desktop_tmp"
chmod 0644 "$desktop_tmp"
mv -f -- "$desktop_tmp" "$data_dir/applications/$APP_ID.desktop"

for png in "${pngs[@]}"; do
    size_dir="$(basename "$(dirname "$(dirname "$png")")")" # e.g. 48x48
    install -D -m 0644 -- "$png" "$data_dir/icons/hicolor/$size_dir/apps/$APP_ID.png"
done
install -D -m 0644 -- "$resources/icons/$APP_ID.svg" "$data_dir/icons/hicolor/scalable/apps/$APP_ID.svg"
install -D -m 0644 -- "$resources/$APP_ID.metainfo.xml" "$data_dir/metainfo/$APP_ID.metainfo.xml"

# --- Tell the desktop; these caches are optional, so failures are not errors ----------------------

# The desktop's own search (KRunner, and GNOME Shell from the next login): the D-Bus service
# files and search providers, with this installation's absolute path. Per user only: a PREFIX
# install leaves them to `ponder desktop-integration install` run as the system's owner.
if [[ -z "${PREFIX:-}" ]]; then
    XDG_DATA_HOME="$data_dir" "$app_dir/ponder" desktop-integration install --user >/dev/null 2>&1 ||
        echo "Note: the desktop's search was not set up; run: ponder desktop-integration install --user"
fi

if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_dir/applications" >/dev/null 2>&1 || true
fi
# Refresh an icon cache that is already there; never create one in a user's folder, where a cache
# that later installs do not update would hide their icons. A new mtime makes GTK rescan.
touch "$data_dir/icons/hicolor"
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -f "$data_dir/icons/hicolor/icon-theme.cache" ]]; then
    gtk-update-icon-cache -q -t -f "$data_dir/icons/hicolor" >/dev/null 2>&1 || true
fi

echo "Installed Ponder in $app_dir"
echo "  command:  $bin_dir/ponder"
echo "  launcher: $data_dir/applications/$APP_ID.desktop"
case ":${PATH:-}:" in
    *":$bin_dir:"*) ;;
    *) echo "Note: $bin_dir is not on your PATH; the launcher works without it." ;;
esac
