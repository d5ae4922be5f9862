"""The config schema: defaults, validation that names the key, secrets from the environment."""

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
