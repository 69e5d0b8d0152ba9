"""Settings from the environment; nothing secret has a default."""

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_")

    database_url: SecretStr
    log_level: str = "INFO"
    cors_origins: list[str] = []


def get_settings() -> Settings:
    return Settings()
