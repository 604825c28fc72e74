#!/usr/bin/env bash
# Run the kiosk on a virtual screen (Xvfb) and show that screen over VNC on 127.0.0.1 only.
#
#   tools/run_headless.sh [kiosk arguments...]      (what `make run` does without a display)
#
# Environment: KIOSK_SCREEN  virtual screen, WIDTHxHEIGHT[xDEPTH] (default 1080x1920x24)
# The exit code is the kiosk's. On exit or Ctrl-C the VNC server and Xvfb are stopped.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python="$root/.venv/bin/python"
screen=${KIOSK_SCREEN:-1080x1920x24}
[[ $screen =~ ^[0-9]+x[0-9]+$ ]] && screen+=x24

die() { echo "run_headless: $*" >&2; exit 1; }

[[ $screen =~ ^[0-9]+x[0-9]+x[0-9]+$ ]] || die "KIOSK_SCREEN must look like 1080x1920x24, not '$screen'"
[[ -x $python ]] || die "no $python; run \`make run\` (it sets up .venv)"
for tool in Xvfb x11vnc xauth; do
    command -v "$tool" >/dev/null 2>&1 \
        || die "$tool is not installed; run tools/ensure_system_packages.sh (or \`make run\`)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-headless.XXXXXX")
xvfb_pid="" vnc_pid="" kiosk_pid=""

stop() {  # stop a process we started and reap it
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop "$kiosk_pid"
    stop "$vnc_pid"
    stop "$xvfb_pid"
    rm -rf "$work"
}
trap cleanup EXIT
# Ctrl-C: the kiosk runs in the background (below), so pass the stop on to it.
trap 'stop "$kiosk_pid"; exit 130' INT
trap 'stop "$kiosk_pid"; exit 143' TERM
trap 'stop "$kiosk_pid"; exit 129' HUP

# A cookie, so only who can read $work (us) may use the virtual screen.
export XAUTHORITY="$work/Xauthority"
: >"$XAUTHORITY"
cookie=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

# Xvfb and x11vnc run in sessions of their own (setsid), so that Ctrl-C reaches only the
# kiosk and us; cleanup stops them after the kiosk.

# --- Xvfb on the first free display from :90 up ---------------------------------------------
display_is_free() {
    [[ ! -e /tmp/.X11-unix/X$1 && ! -e /tmp/.X$1-lock ]]
}

x_ready() {  # does the X server on $1 accept connections?
    if command -v xdpyinfo >/dev/null 2>&1; then
        xdpyinfo -display "$1" >/dev/null 2>&1
    else
        [[ -S /tmp/.X11-unix/X${1#:} ]]
    fi
}

n=90
while :; do
    while ! display_is_free "$n"; do
        n=$((n + 1))
        ((n < 200)) || die "no free X display between :90 and :199"
    done
    xauth -q add ":$n" . "$cookie"
    setsid Xvfb ":$n" -screen 0 "$screen" -nolisten tcp -auth "$XAUTHORITY" >"$work/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 100); do  # up to 10 s
        x_ready ":$n" && break
        kill -0 "$xvfb_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$xvfb_pid" 2>/dev/null && x_ready ":$n"; then
        break
    fi
    if kill -0 "$xvfb_pid" 2>/dev/null; then  # running but not answering
        stop "$xvfb_pid"
        cat "$work/xvfb.log" >&2
        die "Xvfb :$n did not accept connections within 10 s"
    fi
    wait "$xvfb_pid" 2>/dev/null || true
    xvfb_pid=""
    if display_is_free "$n"; then  # it failed for another reason than a race for :$n
        cat "$work/xvfb.log" >&2
        die "Xvfb :$n failed to start (log above)"
    fi
    n=$((n + 1))
done
export DISPLAY=":$n"

# --- x11vnc on the first free port from 5900 up, on 127.0.0.1 only -------------------------
port_is_free() {  # nobody listens on it (ss, if installed), and nothing answers on 127.0.0.1
    [[ -z $(ss -Hltn "sport = :$1" 2>/dev/null) ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port=5900
while :; do
    while ! port_is_free "$port"; do
        port=$((port + 1))
        ((port < 6000)) || die "no free VNC port between 5900 and 5999"
    done
    setsid x11vnc -display "$DISPLAY" -auth "$XAUTHORITY" -localhost -listen 127.0.0.1 -noipv6 \
        -rfbport "$port" -forever -shared -nopw -quiet >"$work/x11vnc.log" 2>&1 &
    vnc_pid=$!
    for _ in $(seq 100); do  # x11vnc prints PORT=<n> once it listens
        grep -q '^PORT=' "$work/x11vnc.log" 2>/dev/null && break
        kill -0 "$vnc_pid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -qx "PORT=$port" "$work/x11vnc.log" 2>/dev/null; then
        break
    fi
    stop "$vnc_pid"
    vnc_pid=""
    if port_is_free "$port"; then  # it failed for another reason than a race for the port
        cat "$work/x11vnc.log" >&2
        die "x11vnc failed to start on 127.0.0.1:$port (log above)"
    fi
    port=$((port + 1))
done

cat <<EOF

  Kiosk screen ($screen) on display $DISPLAY, shown on VNC at 127.0.0.1:$port (this machine only).
  From another machine:  ssh -L $port:127.0.0.1:$port ${HOSTNAME:-<this host>}
  then open a VNC viewer on localhost:$port.

EOF

# --- the kiosk ----------------------------------------------------------------------------
# In the background with `wait`, so that Ctrl-C reaches the traps above at once (they stop
# it); it keeps our stdin, if we have one, and our output.
set +e
if { : <&0; } 2>/dev/null; then
    "$python" "$root/main.py" "$@" <&0 &
else
    "$python" "$root/main.py" "$@" </dev/null &
fi
kiosk_pid=$!
wait "$kiosk_pid"
status=$?
set -e
kiosk_pid=""
exit "$status"
