import pytest

from bot.settings import Secret, Settings, SettingsError


def test_defaults_without_environment():
    settings = Settings.from_env({}, dotenv=False)
    assert not settings.token
    assert settings.qa_channels == frozenset()
    assert settings.knowledge_dir.name == "knowledge"
    assert settings.cooldown_questions == 5


def test_values_are_parsed():
    settings = Settings.from_env({
        "DISCORD_TOKEN": "abc.def.ghi-token",
        "CAREERBOT_QA_CHANNELS": "1, 2,3",
        "CAREERBOT_ADMIN_GUILDS": "42",
        "CAREERBOT_MODLOG_CHANNEL": "7",
        "CAREERBOT_COOLDOWN_SECONDS": "10",
        "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10/",
        "CAREERBOT_LOG_LEVEL": "debug",
    }, dotenv=False)
    assert settings.token.get() == "abc.def.ghi-token"
    assert settings.qa_channels == {1, 2, 3}
    assert settings.admin_guilds == {42}
    assert settings.modlog_channel == 7
    assert settings.cooldown_seconds == 10
    assert settings.api_base_url == "http://127.0.0.1:9/api/v10"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("CAREERBOT_QA_CHANNELS", "general", "comma-separated list of numeric ids"),
    ("CAREERBOT_COOLDOWN_QUESTIONS", "0", "between 1 and 1000"),
    ("CAREERBOT_COOLDOWN_SECONDS", "soon", "whole number"),
    ("DISCORD_GATEWAY_URL", "http://x", "must start with ws:// or wss://"),
    ("CAREERBOT_LOG_LEVEL", "LOUD", "CAREERBOT_LOG_LEVEL"),
    ("CAREERBOT_MODLOG_CHANNEL", "1,2", "one channel id"),
    ("CAREERBOT_MESSAGE_CONTENT", "maybe", "true or false"),
])
def test_bad_values_name_the_setting(name, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value}, dotenv=False)


def test_token_never_shows_itself():
    secret = Secret("super-secret-token")
    settings = Settings(token=secret)
    assert "super-secret-token" not in repr(settings)
    assert "super-secret-token" not in str(secret)
    assert "super-secret-token" not in f"{secret!r}"


def test_dotenv_fills_in_and_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("CAREERBOT_QA_CHANNELS=5\nCAREERBOT_DEV_GUILDS=6\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"CAREERBOT_QA_CHANNELS": "9"})
    assert settings.qa_channels == {9}
    assert settings.dev_guilds == {6}


def test_env_example_lists_every_setting_and_parses():
    import re
    from pathlib import Path

    from dotenv import dotenv_values

    root = Path(__file__).resolve().parents[1]
    example = {k: v or "" for k, v in dotenv_values(root / ".env.example").items()}
    read = set(re.findall(r'"((?:CAREERBOT|DISCORD)_[A-Z_]+)"',
                          (root / "bot" / "settings.py").read_text()))
    assert read <= set(example), read - set(example)
    Settings.from_env(example, dotenv=False)  # as copied, it is valid


def test_message_content_follows_the_qa_channels_unless_set():
    assert not Settings.from_env({}, dotenv=False).message_content
    assert Settings.from_env({"CAREERBOT_QA_CHANNELS": "1"}, dotenv=False).message_content
    assert Settings.from_env({"CAREERBOT_MESSAGE_CONTENT": "on"}, dotenv=False).message_content


def test_the_environment_gives_every_servers_defaults():
    settings = Settings.from_env({"CAREERBOT_QA_CHANNELS": "1,2", "CAREERBOT_MODERATOR_ROLES": "9",
                                  "CAREERBOT_COOLDOWN_QUESTIONS": "3",
                                  "CAREERBOT_MODLOG_CHANNEL": "7"}, dotenv=False)
    defaults = settings.server_defaults()
    assert (defaults.qa_channels, defaults.moderator_roles, defaults.cooldown_questions,
            defaults.modlog_channel, defaults.ask_private) == ({1, 2}, {9}, 3, 7, False)


def test_the_database_url_is_a_secret_postgresql_url():
    url = "postgresql://careerbot:pw-123@db:5432/careerbot"
    settings = Settings.from_env({"CAREERBOT_DATABASE_URL": url}, dotenv=False)
    assert settings.database_url.get() == url and "pw-123" not in repr(settings)
    with pytest.raises(SettingsError, match="postgresql:// URL"):
        Settings.from_env({"CAREERBOT_DATABASE_URL": "mysql://x"}, dotenv=False)
