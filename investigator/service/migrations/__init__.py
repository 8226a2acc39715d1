"""Alembic migrations of the service database (run by `investigator.service.db.upgrade`)."""
