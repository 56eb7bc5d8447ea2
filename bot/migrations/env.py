"""Alembic's environment: the bot hands it a connection inside a transaction (see
bot/db/migrations.py); there is no alembic.ini and no URL of its own."""

from alembic import context

from bot.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `python -m bot migrate`")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
