"""The watch's state runs on the service's databases: SQLite always, PostgreSQL when configured."""

from tests.service.conftest import db_url

__all__ = ["db_url"]
