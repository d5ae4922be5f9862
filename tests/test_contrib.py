"""contrib/: the systemd units are hardened, valid, and name the secrets' two ways in."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONTRIB = Path(__file__).resolve().parent.parent / "contrib"
UNITS = ("resetdesk.service", "resetdesk-web.service")
HARDENING = {"User": "resetdesk", "ProtectSystem": "strict", "StateDirectory": "resetdesk", "NoNewPrivileges": "yes",
             "PrivateTmp": "yes", "ProtectHome": "yes", "CapabilityBoundingSet": "", "KillSignal": "SIGTERM",
             "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "SystemCallFilter": "@system-service"}


def settings(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (CONTRIB / unit).read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z]+)=(.*)", line.strip())
        if match:
            found.setdefault(match.group(1), []).append(match.group(2))
    return found


@pytest.mark.parametrize("unit", UNITS)
def test_units_are_hardened_and_take_secrets_from_a_file_or_credentials(unit):
    found = settings(unit)
    for key, value in HARDENING.items():
        assert value in found.get(key, []), (unit, key)
    assert found["EnvironmentFile"] == ["-/etc/resetdesk/env"]
    assert "LoadCredential=RESETDESK_CLIENT_SECRET:" in (CONTRIB / unit).read_text()
    assert any("--config /etc/resetdesk/resetdesk.toml" in line for line in found["ExecStart"])
    assert (CONTRIB / "resetdesk.sysusers").read_text().splitlines()[-1].startswith("u resetdesk ")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_accepts_the_units_and_rates_them_well(tmp_path):
    for unit in UNITS:
        # Pointed at this environment's resetdesk: verify wants an executable ExecStart.
        here = str(Path(sys.executable).parent / "resetdesk")
        text = (CONTRIB / unit).read_text().replace("/opt/resetdesk/bin/resetdesk", here)
        (tmp_path / unit).write_text(text)
    verified = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / u) for u in UNITS)],
                              capture_output=True, text=True)
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
    rated = subprocess.run(["systemd-analyze", "security", "--offline=true", str(tmp_path / UNITS[0])],
                           capture_output=True, text=True)
    level = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", rated.stdout).group(1))
    assert level <= 2.0, rated.stdout[-400:]


def test_credentials_are_read_when_the_variable_is_not_set(tmp_path, monkeypatch):
    from resetdesk import config as config_module
    from resetdesk.errors import ConfigError

    (tmp_path / "RESETDESK_SMTP_PASSWORD").write_text("from-a-credential\n")
    loaded = config_module.from_dict({})
    monkeypatch.delenv("RESETDESK_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert loaded.secret("smtp", "password_env") == "from-a-credential"
    monkeypatch.setenv("RESETDESK_SMTP_PASSWORD", "from-the-environment")
    assert loaded.secret("smtp", "password_env") == "from-the-environment"
    monkeypatch.delenv("RESETDESK_SMTP_PASSWORD")
    with pytest.raises(ConfigError, match="no systemd credential"):
        loaded.secret("imap", "password_env")
