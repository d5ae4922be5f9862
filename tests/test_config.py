"""The config schema: defaults, validation that names the key, secrets from the environment."""

import os

import pytest

from resetdesk import config
from resetdesk.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "resetdesk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_defaults_and_no_requester():
    loaded = config.load(None)
    assert loaded.policy.requesters == ()
    assert loaded.imap.port == 993
    assert loaded.imap.security == "ssl"


def test_policy_table_is_read_and_addresses_normalised(tmp_path):
    loaded = config.load(write(tmp_path, """
[policy]
desk_address = "Help@Resetdesk.example"
trusted_authserv_ids = ["MX.resetdesk.example"]
requesters = [" Kari.Nordmann@contoso.no "]
approvers = ["cto@contoso.no"]
"""))
    assert loaded.policy.desk_address == "help@resetdesk.example"
    assert loaded.policy.trusted_authserv_ids == ("mx.resetdesk.example",)
    assert loaded.policy.requesters == ("kari.nordmann@contoso.no",)
    assert loaded.policy.approvers == ("cto@contoso.no",)


@pytest.mark.parametrize("text, message", [
    ("[policy]\nrequester = []\n", "policy.requester: unknown key"),
    ("[polcy]\n", "polcy: unknown table"),
    ("[policy]\nrequesters = \"kari@contoso.no\"\n", "policy.requesters: expected list"),
    ("[policy]\nrequesters = [1]\n", "policy.requesters: expected a list of strings"),
    ("[imap]\nport = \"993\"\n", "imap.port: expected integer"),
    ("[imap]\nport = true\n", "imap.port: expected integer, got boolean"),
    ("[imap]\nsecurity = \"tls\"\n", "imap.security: 'tls' is not one of"),
    ("policy = 3\n", "policy: expected a table"),
])
def test_bad_keys_and_types_are_named(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, text))
    assert message in str(caught.value)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        config.load(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(write(tmp_path, "[policy\n"))


def test_secret_comes_from_the_named_environment_variable(tmp_path, monkeypatch):
    loaded = config.load(write(tmp_path, '[smtp]\npassword_env = "MY_SMTP_SECRET"\n'))
    monkeypatch.delenv("MY_SMTP_SECRET", raising=False)
    with pytest.raises(ConfigError, match="MY_SMTP_SECRET"):
        loaded.secret("smtp", "password_env")
    monkeypatch.setenv("MY_SMTP_SECRET", "s3cret")
    assert loaded.secret("smtp", "password_env") == "s3cret"


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    loaded = config.load(write(tmp_path, '[store]\npath = "db/desk.db"\n'))
    assert loaded.resolve_path(loaded.store.path) == tmp_path / "db" / "desk.db"


def test_readme_names_every_setting():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [f"{table}.{key}" for table, keys in config.SCHEMA.items() for key in keys if f"`{key}`" not in readme]
    assert missing == [], "README's configuration table misses these keys"


# ------------------------------------------------------------------ ranges: one line, the key named

@pytest.mark.parametrize("text, message", [
    ("[imap]\nport = 70000\n", "imap.port: 70000 is above the maximum 65535"),
    ("[imap]\nport = 0\n", "imap.port: 0 is below the minimum 1"),
    ("[smtp]\nport = -25\n", "smtp.port: -25 is below the minimum 1"),
    ("[imap]\ntimeout = -1\n", "imap.timeout: -1 must be more than 0"),
    ("[smtp]\ntimeout = 0.0\n", "smtp.timeout: 0.0 must be more than 0"),
    ("[graph]\ntimeout = -5.0\n", "graph.timeout: -5.0 must be more than 0"),
    ("[imap]\npoll_interval = 0\n", "imap.poll_interval: 0 must be more than 0"),
    ("[imap]\npoll_interval = -30.0\n", "imap.poll_interval: -30.0 must be more than 0"),
    ("[imap]\npoll_interval = inf\n", "imap.poll_interval: inf is not a finite number"),
    ("[imap]\ntimeout = nan\n", "imap.timeout: nan is not a finite number"),
    ("[imap]\nreconnect_initial_delay = 0\n", "imap.reconnect_initial_delay: 0 must be more than 0"),
    ("[imap]\nreconnect_initial_delay = 5.0\nreconnect_max_delay = 1.0\n",
     "imap.reconnect_max_delay: 1.0 is below imap.reconnect_initial_delay (5.0)"),
    ("[imap]\nreconnect_give_up = -1\n", "imap.reconnect_give_up: -1 is below the minimum 0"),
    ("[smtp]\nretry_initial_seconds = -1\n", "smtp.retry_initial_seconds: -1 is below the minimum 0"),
    ("[smtp]\nretry_initial_seconds = 60.0\nretry_max_seconds = 10.0\n",
     "smtp.retry_max_seconds: 10.0 is below smtp.retry_initial_seconds (60.0)"),
    ("[smtp]\nretry_max_seconds = 1e12\n", "smtp.retry_max_seconds: 1000000000000.0 is above the maximum"),
    ("[smtp]\nmax_attempts = 0\n", "smtp.max_attempts: 0 is below the minimum 1"),
    ("[limits]\nmax_message_bytes = -1\n", "limits.max_message_bytes: -1 is below the minimum 1"),
    ("[limits]\nmax_message_bytes = 0\n", "limits.max_message_bytes: 0 is below the minimum 1"),
    ("[limits]\nreplies_per_sender = -1\n", "limits.replies_per_sender: -1 is below the minimum 1"),
    ("[limits]\nreplies_per_sender = 0\n", "limits.replies_per_sender: 0 is below the minimum 1"),
    ("[limits]\nreplies_per_requester = 0\n", "limits.replies_per_requester: 0 is below the minimum 1"),
    ("[limits]\nreplies_per_thread = -3\n", "limits.replies_per_thread: -3 is below the minimum 1"),
    ("[limits]\nreplies_total = 0\n", "limits.replies_total: 0 is below the minimum 1"),
    ("[limits]\nsender_window_minutes = -60\n", "limits.sender_window_minutes: -60 is below the minimum 0"),
    ("[limits]\ntotal_window_minutes = -1\n", "limits.total_window_minutes: -1 is below the minimum 0"),
    ("[limits]\nsame_guidance_window_minutes = -1\n", "limits.same_guidance_window_minutes: -1 is below the minimum 0"),
    ("[limits]\ntotal_window_minutes = 99999999999\n", "limits.total_window_minutes: 99999999999 is above the maximum"),
    ("[spam]\nverdicts = [\"X-Spam-Flag YES\"]\n", "spam.verdicts: 'X-Spam-Flag YES' is not"),
    ("[spam]\nverdicts = [\"X-MS-Exchange-Organization-SCL >= high\"]\n", "spam.verdicts: "),
])
def test_out_of_range_values_are_refused_with_the_key_named(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", [
    "[imap]\nport = 1\n", "[imap]\nport = 65535\n", "[imap]\npoll_interval = 0.5\n",
    "[limits]\nsame_guidance_window_minutes = 0\nsender_window_minutes = 0\ntotal_window_minutes = 0\n",
    "[smtp]\nretry_initial_seconds = 0.0\nretry_max_seconds = 0.0\n",
    "[limits]\nmax_message_bytes = 1\nreplies_total = 1\n",
    "[spam]\nverdicts = []\n",
    "[spam]\nverdicts = [\"X-Spam-Flag = YES\", \"X-Forefront-Antispam-Report contains SFV:SPM\"]\n",
])
def test_values_at_the_edges_of_their_ranges_load(tmp_path, text):
    config.load(write(tmp_path, text))


def test_every_number_in_the_schema_has_a_range():
    unbounded = [f"{table}.{key}" for table, keys in config.SCHEMA.items() for key, s in keys.items()
                 if s.type in (int, float, (int, float)) and s.minimum is None and s.above is None]
    assert unbounded == []


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "resetdesk.toml"
    path.write_bytes('[policy]\ndesk_address = "hjelp@bl\u00e5b\u00e6r.no"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(path)
    with pytest.raises(ConfigError, match="cannot read"):
        config.load(tmp_path)               # a folder, not a file


# ------------------------------------------------------------------ the command line: exit 2, one line

def one_line_exit_2(result, *expected: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize("command", [["run", "--once"], ["audit"], ["outbox", "list"], ["classify", "x.eml"]])
def test_every_command_refuses_a_bad_config_in_one_line(tmp_path, command):
    from click.testing import CliRunner

    from resetdesk.cli import cli

    bad = write(tmp_path, "[imap]\ntimeout = -1\n")
    args = (command[:-1] + ["--config", str(bad), command[-1]] if command[0] == "classify"
            else [*command, "--config", str(bad)])
    one_line_exit_2(CliRunner().invoke(cli, args), "imap.timeout", "must be more than 0")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[policy]\ndesk_address = \"bl\xe5\"\n")
    args = [a if a != str(bad) else str(latin) for a in args]
    one_line_exit_2(CliRunner().invoke(cli, args), "not UTF-8")


def test_run_refuses_a_store_it_cannot_create(tmp_path):
    from click.testing import CliRunner

    from resetdesk.cli import cli

    (tmp_path / "afile").write_text("not a folder\n")
    path = write(tmp_path, '[store]\npath = "afile/resetdesk.db"\n')
    one_line_exit_2(CliRunner().invoke(cli, ["run", "--once", "--config", str(path)]),
                    "store.path", "afile")
    (tmp_path / "afolder.db").mkdir()
    path = write(tmp_path, '[store]\npath = "afolder.db"\n')
    for command in (["run", "--once"], ["audit"], ["outbox", "list"]):
        one_line_exit_2(CliRunner().invoke(cli, [*command, "--config", str(path)]), "store.path", "is a folder")


def test_check_store_path(tmp_path):
    from resetdesk.errors import StoreError
    from resetdesk.store import check_store_path

    check_store_path(tmp_path / "new" / "deeper" / "resetdesk.db")      # creatable: fine
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="is not a folder"):
        check_store_path(tmp_path / "file" / "x" / "resetdesk.db")
    if os.geteuid() != 0:     # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(StoreError, match="cannot write in"):
            check_store_path(locked / "resetdesk.db")


def test_run_subprocess_config_errors_are_one_line_exit_2(tmp_path):
    import subprocess
    import sys

    bad = write(tmp_path, "[limits]\nmax_message_bytes = -1\n")
    result = subprocess.run([sys.executable, "-c", "from resetdesk.cli import cli; cli()", "run", "--once",
                             "--config", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["Error: limits.max_message_bytes: -1 is below the minimum 1"]
