"""Tips get a folded search text (`/tips WORDS`), filled in for the tips stored before.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from bot.db.repositories.tips import SEARCHABLE_ORIGINS, search_text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tips", sa.Column("search_text", sa.Text(), nullable=True))
    bind = op.get_bind()
    tips = sa.table(
        "tips",
        sa.column("id"),
        sa.column("address"),
        sa.column("description"),
        sa.column("search_text"),
    )
    links = sa.table("tip_links", sa.column("tip_id"), sa.column("url"))
    origins = sa.table("tip_origins", sa.column("tip_id"), sa.column("kind"), sa.column("title"))
    urls: dict[int, list[str]] = {}
    for tip_id, url in bind.execute(
        sa.select(links.c.tip_id, links.c.url).order_by(links.c.tip_id, sa.text("position"))
    ):
        urls.setdefault(tip_id, []).append(url)
    titles: dict[int, list[str]] = {}
    searchable = [kind.value for kind in SEARCHABLE_ORIGINS]
    for tip_id, title in bind.execute(
        sa.select(origins.c.tip_id, origins.c.title).where(origins.c.kind.in_(searchable))
    ):
        titles.setdefault(tip_id, []).append(title or "")
    for tip_id, address, description in bind.execute(
        sa.select(tips.c.id, tips.c.address, tips.c.description)
    ).all():
        text = search_text(address, description, urls.get(tip_id, ()), titles.get(tip_id, ()))
        bind.execute(sa.update(tips).where(tips.c.id == tip_id).values(search_text=text))
