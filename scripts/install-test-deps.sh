#!/bin/sh
# Install what the server and browser tests need from the OS (Debian/Ubuntu): Dovecot's IMAP
# server, and Chromium with its driver for the console's browser tests (Playwright drives
# /usr/bin/chromium; nothing is downloaded by Playwright itself). Idempotent: installs only
# what is missing. Python packages come from `pip install -e '.[test]'`, not from here.
set -eu

missing=""
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
    missing="$missing dovecot-imapd"
fi
if [ ! -x /usr/bin/chromium ]; then
    missing="$missing chromium"
fi
if [ ! -x /usr/bin/chromedriver ]; then
    missing="$missing chromium-driver"
fi

if [ -z "$missing" ]; then
    echo "install-test-deps: dovecot and chromium already installed: $( (dovecot --version || /usr/sbin/dovecot --version) 2>/dev/null ); $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: missing:$missing, and apt-get is not available; install them by hand" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi

$SUDO apt-get update
# The dovecot package may try to start a system service; our tests run their own instance either way.
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing

command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]
echo "install-test-deps: installed$missing"
