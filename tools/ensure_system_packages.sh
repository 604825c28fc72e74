#!/usr/bin/env bash
# Make sure the Debian packages the kiosk needs are installed.
#
# The one list of system packages; `make` runs this once (stamp: .venv/.system-packages) and
# again whenever this file changes. As root it installs what is missing; otherwise it prints
# the command to run and fails. On a system without dpkg it only prints a note.
set -euo pipefail

PACKAGES=(
    # CJK font, so Chinese never shows as boxes
    fonts-noto-cjk
    # what the PySide6 6.x wheels load at run time
    libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
    # the Qt xcb platform plugin
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0
    libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1
    # headless viewing: virtual screen, VNC, X auth cookie (tools/run_headless.sh)
    xvfb x11vnc xauth
    # bar and QR codes (pyzbar) for the device work
    libzbar0
    # voice guidance: espeak-ng speaks when no speech service runs; Qt TextToSpeech talks to
    # speech-dispatcher (libspeechd2) and QtMultimedia plays through PulseAudio (libpulse0)
    espeak-ng speech-dispatcher speech-dispatcher-espeak-ng libspeechd2 libpulse0
    # finding the CJK font file for printouts (fc-match); reading A4 PDFs back in the tests
    fontconfig ghostscript
)

# Debian's own python3 creates virtualenvs only with python3-venv (`make` runs `$PYTHON -m venv`).
python=$(command -v "${PYTHON:-python3}" || true)
if [[ -z $python && ${PYTHON:-python3} == python3 ]]; then
    PACKAGES+=(python3 python3-venv)
elif [[ -n $python && $(readlink -f "$python") == /usr/bin/python3* ]]; then
    PACKAGES+=(python3-venv)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "note: no dpkg here, so not checking system packages. The kiosk needs the equivalents" \
         "of these Debian packages: ${PACKAGES[*]}" >&2
    exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
    # One line per installed architecture; any fully installed one will do.
    if ! dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -qx 'install ok installed'
    then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "Missing Debian packages: ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
    echo "Install them with:" >&2
    echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo "then run make again." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
