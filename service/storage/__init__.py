"""Saved scenarios and runs in a database; result files next to it.

In: validated scenarios and finished projections from the routers and jobs. Out: records that
outlive the process. SQLAlchemy 2 over SQLite (a file in the storage directory, the default)
or PostgreSQL (``FORECAST_DATABASE_URL``); the schema is created and upgraded by the Alembic
migrations in ``migrations/`` when the service starts. Results are NetCDF files in the results
directory, written atomically and referenced from their run.
"""
