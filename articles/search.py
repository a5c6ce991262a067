"""Search over published articles, the same on SQLite and PostgreSQL.

Korean attaches particles to words (메타의, 메타가) and neither database splits
them, so text is tokenised here, once, when an article is saved: Latin-script
words become lower-case words, runs of Hangul become their syllable bigrams
followed by single syllables. A query is tokenised the same way, so 메타 finds
메타의 and a one-syllable query still uses the index. The tokens live in
`Article.search_text`, indexed by FTS5 on SQLite and by a GIN index over a
stored tsvector on PostgreSQL (migration 0002).

Cost is bounded whatever the archive size: only the newest CANDIDATES matches
are ranked (relevance first, then date), which for news is what readers want.
A word matches whole words first; words that merely start with it (repair ->
repairs) are looked up only when whole words leave the window unfilled, since
a prefix match of a common word costs several times more.
"""

import re

from django.db import connection

from articles import cache_tags
from newsroom import public_cache

HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
TOKEN = re.compile(r"[\uac00-\ud7a3]+|[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 12
MAX_QUERY_LENGTH = 200
CANDIDATES = 500


def _hangul_terms(run):
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(*texts):
    """The token string stored for the index: bigrams of each Hangul run, then its syllables."""
    out = []
    for text in texts:
        for token in TOKEN.findall((text or "").lower()):
            if HANGUL_RUN.fullmatch(token):
                out.extend(_hangul_terms(token))
                if len(token) > 1:
                    out.extend(token)
            else:
                out.append(token)
    return " ".join(out)


def query_terms(query):
    """[(kind, [tokens])] for a reader's query: ('hangul', bigram phrase) or ('word', [word])."""
    terms = []
    for token in TOKEN.findall((query or "")[:MAX_QUERY_LENGTH].lower()):
        kind = "hangul" if HANGUL_RUN.fullmatch(token) else "word"
        terms.append((kind, _hangul_terms(token) if kind == "hangul" else [token]))
    return terms[:MAX_QUERY_TERMS]


def _fts5_expression(terms, prefix):
    star = "*" if prefix else ""
    parts = []
    for kind, tokens in terms:
        parts.append('"' + " ".join(tokens) + '"' if kind == "hangul" else f'"{tokens[0]}"{star}')
    return " AND ".join(parts)


def _tsquery_expression(terms, prefix):
    star = ":*" if prefix else ""
    parts = []
    for kind, tokens in terms:
        if kind == "hangul":
            parts.append("(" + " <-> ".join(f"'{t}'" for t in tokens) + ")")
        else:
            parts.append(f"'{tokens[0]}'{star}")
    return " & ".join(parts)


def _ranked_candidate_ids(table, terms, *, prefix):
    """Ids of the newest CANDIDATES matches, best match first.

    Tokens contain only letters and digits (see TOKEN), so the match expression
    cannot carry query syntax from the reader; it is still passed as a parameter.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id FROM (SELECT id, published_at, ts_rank_cd(search_vector, q) AS rank "
                f"FROM {table}, to_tsquery('simple', %s) q WHERE search_vector @@ q "
                f"ORDER BY id DESC LIMIT %s) candidates ORDER BY rank DESC, published_at DESC, id DESC",
                [_tsquery_expression(terms, prefix), CANDIDATES],
            )
        else:
            cursor.execute(
                f"SELECT rowid FROM (SELECT rowid, bm25({table}_fts) AS rank FROM {table}_fts "
                f"WHERE {table}_fts MATCH %s ORDER BY rowid DESC LIMIT %s) ORDER BY rank, rowid DESC",
                [_fts5_expression(terms, prefix), CANDIDATES],
            )
        return [row[0] for row in cursor.fetchall()]


class RankedResults:
    """A ranked list of article ids that a Paginator pages through, loading only the page shown.

    `cards` loads the page by primary key alone: the ids are already known to be public, and
    repeating the published filter would tempt SQLite's planner off the primary key.
    """

    def __init__(self, cards, ids, *, capped=False):
        self.cards = cards
        self.ids = ids
        # More stories match than were ranked: the count is a floor, and readers are told so.
        self.capped = capped

    def count(self):
        return len(self.ids)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        ids = self.ids[index] if isinstance(index, slice) else [self.ids[index]]
        by_id = {article.pk: article for article in self.cards.filter(pk__in=ids)}
        page = [by_id[pk] for pk in ids if pk in by_id]
        return page if isinstance(index, slice) else page[0]


def search(cards, query):
    """Public articles matching `query`, best match first; `cards` (a queryset) loads the page shown.

    The ranking is kept like a fragment until the `search` cache tag is invalidated (any change of a
    story: newsroom/public_cache.py): when a story spreads, its readers search for the same words.
    """
    terms = query_terms(query)
    if not terms:
        return RankedResults(cards, [])
    ids, capped = public_cache.versioned(None, "search", [repr(terms)], lambda: _public_matches(terms))
    return RankedResults(cards, ids, capped=capped)


def _public_matches(terms):
    """(ids of the public matches, best first; whether more matched than were ranked)."""
    from articles.models import Article

    public_cache.tag(cache_tags.SEARCH)
    table = Article._meta.db_table
    candidates = _ranked_candidate_ids(table, terms, prefix=False)
    if len(candidates) < CANDIDATES:
        # Whole words did not fill the window, so words that merely start with the query count too
        # (repair finds repairs). A prefix match is far costlier for a common word, and when whole
        # words already fill the window the longer words could only take places among the oldest.
        candidates = _ranked_candidate_ids(table, terms, prefix=True)
    hidden = set(Article.objects.hidden().filter(pk__in=candidates).values_list("pk", flat=True))
    return [pk for pk in candidates if pk not in hidden], len(candidates) == CANDIDATES


SQLITE_TRIGGERS = {
    "articles_article_fts_ai": "AFTER INSERT ON articles_article BEGIN "
    "INSERT INTO articles_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "articles_article_fts_ad": "AFTER DELETE ON articles_article BEGIN "
    "INSERT INTO articles_article_fts(articles_article_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "articles_article_fts_au": "AFTER UPDATE OF search_text ON articles_article BEGIN "
    "INSERT INTO articles_article_fts(articles_article_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO articles_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
}


def ensure_sqlite_index(using="default", **kwargs):
    """After every migrate: SQLite drops a table's triggers when a migration rebuilds it, so put them back.

    Connected to post_migrate in ArticlesConfig.ready(); rebuilds the index when a trigger was missing.
    """
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE 'articles_article_fts%%'")
        present = {row[0] for row in cursor.fetchall()}
        if "articles_article_fts" not in present:
            return  # migration 0002 has not run yet
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")
        if missing:
            cursor.execute("INSERT INTO articles_article_fts(articles_article_fts) VALUES ('rebuild')")
