#!/usr/bin/env bash
# Remove what install.sh installed, and nothing else: the app folder, the ponder command link (only
# if it points into that folder), the launcher, the icons and the metainfo. Your notes and Ponder's
# index and settings are left alone. Honours PREFIX and XDG_DATA_HOME exactly as install.sh does.
# install.sh also puts a copy of this script in the app folder; running it twice is harmless.
set -euo pipefail

readonly APP_ID=org.ponder.Ponder

if [[ -n "${PREFIX:-}" ]]; then
    data_dir="$PREFIX/share"
    bin_dir="$PREFIX/bin"
else
    : "${HOME:?HOME is not set}"
    data_dir="${XDG_DATA_HOME:-$HOME/.local/share}"
    bin_dir="$HOME/.local/bin"
fi
app_dir="$data_dir/ponder/app"

if [[ -L "$bin_dir/ponder" && "$(readlink -- "$bin_dir/ponder")" == "$app_dir/ponder" ]]; then
    rm -f -- "$bin_dir/ponder"
fi

rm -f -- "$data_dir/applications/$APP_ID.desktop"
rm -f -- "$data_dir/metainfo/$APP_ID.metainfo.xml"
shopt -s nullglob
for icon in "$data_dir"/icons/hicolor/*/apps/"$APP_ID".png "$data_dir"/icons/hicolor/*/apps/"$APP_ID".svg; do
    rm -f -- "$icon"
done
shopt -u nullglob

# What `ponder desktop-integration install --user` wrote, while the app is still there to say.
if [[ -x "$app_dir/ponder" ]]; then
    XDG_DATA_HOME="$data_dir" "$app_dir/ponder" desktop-integration uninstall --user >/dev/null 2>&1 || true
fi
rm -rf -- "$app_dir" "$app_dir.new"
# Remove the parent only if empty: anything else in it is not ours.
rmdir -- "$data_dir/ponder" 2>/dev/null || true

if command -v update-desktop-database >/dev/null 2>&1 && [[ -d "$data_dir/applications" ]]; then
    update-desktop-database -q "$data_dir/applications" >/dev/null 2>&1 || true
fi
if [[ -d "$data_dir/icons/hicolor" ]]; then
    touch "$data_dir/icons/hicolor"
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -f "$data_dir/icons/hicolor/icon-theme.cache" ]]; then
        gtk-update-icon-cache -q -t -f "$data_dir/icons/hicolor" >/dev/null 2>&1 || true
    fi
fi

echo "Removed Ponder from $app_dir"
