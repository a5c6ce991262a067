"""The full-text index behind articles/search.py, in each database's own form.

Django does not know these objects: SQLite keeps an FTS5 table in step with
`search_text` by triggers; PostgreSQL derives a stored `search_vector` column.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE articles_article_fts USING fts5("
    "search_text, content='articles_article', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_article_fts_ai AFTER INSERT ON articles_article BEGIN "
    "INSERT INTO articles_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER articles_article_fts_ad AFTER DELETE ON articles_article BEGIN "
    "INSERT INTO articles_article_fts(articles_article_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER articles_article_fts_au AFTER UPDATE OF search_text ON articles_article BEGIN "
    "INSERT INTO articles_article_fts(articles_article_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO articles_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS articles_article_fts_au",
    "DROP TRIGGER IF EXISTS articles_article_fts_ad",
    "DROP TRIGGER IF EXISTS articles_article_fts_ai",
    "DROP TABLE IF EXISTS articles_article_fts",
]
POSTGRESQL = [
    # Stored, so ranking reads the vector instead of re-parsing every matching article.
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX articles_article_search_gin ON articles_article USING gin (search_vector)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS articles_article_search_gin",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
