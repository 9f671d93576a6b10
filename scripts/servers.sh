# Sourced by scripts/test and scripts/screenshot: start a JACK dummy server (a real,
# clock-paced audio device with no hardware) and an Xvfb display unless the caller already has
# them, and stop what was started here when the shell exits.
# Exports JACK_DEFAULT_SERVER, JACK_NO_START_SERVER, DISPLAY and LATENTSCAPE_JACK_PERIOD.

_ls_started_pids=()

ls_stop_servers() {
  for pid in "${_ls_started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${_ls_started_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  _ls_started_pids=()
}

ls_start_servers() {
  local period=${LATENTSCAPE_JACK_PERIOD:-1024}
  local rate=${LATENTSCAPE_JACK_RATE:-48000}
  export LATENTSCAPE_JACK_PERIOD=$period LATENTSCAPE_JACK_RATE=$rate
  export JACK_NO_START_SERVER=1
  if [ -z "${JACK_DEFAULT_SERVER:-}" ] || ! jack_wait -c -s "$JACK_DEFAULT_SERVER" >/dev/null 2>&1; then
    export JACK_DEFAULT_SERVER="latentscape-$$"
    # A jackd killed with SIGKILL leaves its entry in JACK's shared registry (8 slots, never
    # reclaimed): with no jackd running, stale entries only block new servers, so clear them.
    if ! pgrep -x jackd >/dev/null 2>&1 && ! pgrep -x jackdmp >/dev/null 2>&1; then
      rm -f /dev/shm/jack-shm-registry /dev/shm/jack_sem.* /dev/shm/jack-[0-9]* 2>/dev/null || true
    fi
    jackd --no-realtime -n "$JACK_DEFAULT_SERVER" -d dummy -r "$rate" -p "$period" \
      >"${TMPDIR:-/tmp}/jackd-$$.log" 2>&1 &
    _ls_started_pids+=($!)
    if ! jack_wait -w -t 15 -s "$JACK_DEFAULT_SERVER" >/dev/null 2>&1; then
      echo "servers: jackd did not start; log:" >&2
      cat "${TMPDIR:-/tmp}/jackd-$$.log" >&2
      return 1
    fi
  fi
  local display_socket="/tmp/.X11-unix/X${DISPLAY:-none}"
  display_socket=${display_socket/X:/X}
  if [ -z "${DISPLAY:-}" ] || ! [ -e "${display_socket%.*}" ]; then
    local n=$(( 90 + $$ % 100 ))
    while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
    Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp >"${TMPDIR:-/tmp}/xvfb-$$.log" 2>&1 &
    _ls_started_pids+=($!)
    export DISPLAY=":$n"
    for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
    if ! [ -e "/tmp/.X11-unix/X$n" ]; then
      echo "servers: Xvfb did not start; log:" >&2
      cat "${TMPDIR:-/tmp}/xvfb-$$.log" >&2
      return 1
    fi
  fi
  trap ls_stop_servers EXIT
}
