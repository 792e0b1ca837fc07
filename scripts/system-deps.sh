#!/bin/sh
# Debian packages some tests need: the webgpu backend's test runs Dawn on llvmpipe through OpenGL
# (libegl1 libegl-mesa0 libgl1-mesa-dri libgles2), and the report test opens the study's HTML in
# headless chromium, and the queued-study tests start Debian's redis-server on 127.0.0.1
# (packages/study-queue). Installed when missing and we can (root with apt-get); otherwise say what to
# install — those tests then fail with the same advice.
# `sh scripts/system-deps.sh --bench` also installs what `deconattn bench` uses for its PyTorch
# baseline (optional: no test needs it): python3-torch and libopenblas0-pthread, which go into
# Debian's own /usr/bin/python3.
pkgs="libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 chromium redis-server"
[ "$1" = "--bench" ] && pkgs="$pkgs python3-torch libopenblas0-pthread"
command -v dpkg >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install EGL/Mesa, chromium and redis-server yourself for the webgpu, report and queue tests"; exit 0; }
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "system-deps: missing$missing (sudo apt-get install$missing); the webgpu, report and queue tests (and bench's PyTorch baseline) need them"
fi
