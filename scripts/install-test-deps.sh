#!/bin/sh
# Install what the server tests need from the OS: Dovecot's IMAP server (Debian/Ubuntu).
# Idempotent: does nothing when `dovecot` is already on the machine. Python packages come from
# `pip install -e '.[test]'`, not from here.
set -eu

if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
    echo "install-test-deps: dovecot already installed: $( (dovecot --version || /usr/sbin/dovecot --version) 2>/dev/null )"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: dovecot is missing and apt-get is not available; install Dovecot 2.3 (imapd) by hand" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi

$SUDO apt-get update
# The package may try to start a system service; our tests run their own instance either way.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd

command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]
echo "install-test-deps: installed $( (dovecot --version || /usr/sbin/dovecot --version) 2>/dev/null )"
