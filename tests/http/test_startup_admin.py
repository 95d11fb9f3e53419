"""TASKBOARD_ADMIN_EMAIL: the app creates its first administrator at start-up (memory:// needs it)."""

import dataclasses

import pytest

from adapters.composition import create_app
from adapters.settings import MEMORY_URL, Settings, SettingsError
from tests.conftest import FastHashingProvider, http_client, settings_for, start_app, stop_app


def _settings(url: str) -> Settings:
    return dataclasses.replace(
        settings_for(url), admin_email="Boss@Example.com", admin_password="start-up-secret"
    )


async def _sign_in_status(settings: Settings) -> int:
    app = create_app(settings, FastHashingProvider())
    await start_app(app)
    try:
        async with http_client(app) as api:
            response = await api.post(
                "/api/v1/auth/token", json={"email": "boss@example.com", "password": "start-up-secret"}
            )
            return response.status_code
    finally:
        await stop_app(app)


async def test_memory_app_signs_in_the_start_up_admin() -> None:
    assert await _sign_in_status(_settings(MEMORY_URL)) == 200


async def test_start_up_admin_is_created_once_and_restarts_keep_it(sqlite_url: str) -> None:
    settings = _settings(sqlite_url)
    assert await _sign_in_status(settings) == 200
    # A restart finds the email taken and carries on, with the same account.
    assert await _sign_in_status(settings) == 200


def test_admin_email_without_password_is_refused() -> None:
    with pytest.raises(SettingsError, match="TASKBOARD_ADMIN_PASSWORD"):
        Settings.from_environment(
            {"TASKBOARD_ADMIN_EMAIL": "boss@example.com", "TASKBOARD_SECRET_KEY": "k" * 40}
        )
