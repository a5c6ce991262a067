"""Search over published articles, the same on SQLite and PostgreSQL.

Korean attaches particles to words (메타의, 메타가) and neither database splits
them, so text is tokenised here, once, when an article is saved: Latin-script
words become lower-case words, runs of Hangul become their syllable bigrams
followed by single syllables. A query is tokenised the same way, so 메타 finds
메타의 and a one-syllable query still uses the index. The tokens live in
`Article.search_text`, indexed by FTS5 on SQLite and by a GIN index over
`to_tsvector('simple', ...)` on PostgreSQL (migration 0002).
"""

import re

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
TOKEN = re.compile(r"[\uac00-\ud7a3]+|[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 12
MAX_QUERY_LENGTH = 200


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


def _fts5_expression(terms):
    parts = []
    for kind, tokens in terms:
        if kind == "hangul":
            parts.append('"' + " ".join(tokens) + '"')
        else:
            parts.append(f'"{tokens[0]}"*')
    return " AND ".join(parts)


def _tsquery_expression(terms):
    parts = []
    for kind, tokens in terms:
        if kind == "hangul":
            parts.append("(" + " <-> ".join(f"'{t}'" for t in tokens) + ")")
        else:
            parts.append(f"'{tokens[0]}':*")
    return " & ".join(parts)


def search(queryset, query):
    """`queryset` narrowed to articles matching `query`, best match first.

    Tokens contain only letters and digits (see TOKEN), so the match expression
    cannot carry query syntax from the reader; it is still passed as a parameter.
    """
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        expression = _tsquery_expression(terms)
        vector = f"to_tsvector('simple', {table}.search_text)"
        rank = RawSQL(f"ts_rank_cd({vector}, to_tsquery('simple', %s))", (expression,))
        matches = RawSQL(f"{vector} @@ to_tsquery('simple', %s)", (expression,), output_field=BooleanField())
        return queryset.alias(matches=matches).filter(matches=True).annotate(rank=rank).order_by("-rank", "-published_at")
    expression = _fts5_expression(terms)
    rank = RawSQL(
        f"(SELECT -bm25({table}_fts) FROM {table}_fts WHERE {table}_fts MATCH %s AND {table}_fts.rowid = {table}.id)",
        (expression,),
    )
    ids = RawSQL(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s", (expression,))
    return queryset.filter(id__in=ids).annotate(rank=rank).order_by("-rank", "-published_at")
