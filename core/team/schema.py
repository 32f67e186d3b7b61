"""A team library's tables on the server, and the roles that may use them.

`create` is run once, by the database's owner (`ponder team-setup`): it makes the `ponder`
schema, the tables (vectors as pgvector `halfvec`, float16 like the embedded library's, each
table with an HNSW index for inner product), the keyword column (a weighted tsvector over title,
file name and text, with a GIN index) and the grants: a reader role may only SELECT, a writer role
may also insert, update and delete rows, and neither may change the schema. The model and pooling
are fixed here too (the vector columns are typed by its dimension), so a client with another
model is refused rather than mixing vectors.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from core.records import IndexInfo
from core.team.connection import SCHEMA

SCHEMA_VERSION = 1
# HNSW build parameters (pgvector's defaults are m=16, ef_construction=64); see the README's
# team library section for recall and latency at a million sentences.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64

# A document's keyword terms: its title and file name weigh most (A), its text least (D), like
# the embedded library's BM25 column weights. A tsvector holds at most 1 MB: a text whose terms
# would not fit is indexed by its first 100,000 characters instead of failing the write.
_TERMS = f"""
CREATE FUNCTION {SCHEMA}.terms(title text, name text, body text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(body, '')), 'D');
EXCEPTION WHEN program_limit_exceeded THEN
    RETURN setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(name, '')), 'A')
        || setweight(to_tsvector('english', left(coalesce(body, ''), 100000)), 'D');
END $$
"""
_NAME = r"regexp_replace(path, '^.*/', '')"

_TABLES = """
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE roots (
    path text PRIMARY KEY,
    added double precision NOT NULL,
    follow_links boolean NOT NULL DEFAULT false
);
CREATE TABLE documents (
    id bigserial PRIMARY KEY,
    path text NOT NULL UNIQUE,
    root text,
    size bigint NOT NULL DEFAULT 0,
    mtime double precision NOT NULL DEFAULT 0,
    hash text,
    status text NOT NULL,
    reason text,
    kind text,
    title text,
    text text,
    page_starts text,
    updated double precision NOT NULL,
    name text GENERATED ALWAYS AS ({name}) STORED,
    terms tsvector GENERATED ALWAYS AS ({schema}.terms(title, {name}, text)) STORED
);
CREATE INDEX documents_hash ON documents (hash);
CREATE INDEX documents_root ON documents (root);
CREATE INDEX documents_status ON documents (status);
CREATE INDEX documents_terms ON documents USING gin (terms);
CREATE TABLE sentences (
    id bigserial PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal integer NOT NULL,
    start integer NOT NULL,
    "end" integer NOT NULL,
    line integer NOT NULL,
    page integer,
    text text NOT NULL,
    vector halfvec({dimension}) NOT NULL
);
CREATE INDEX sentences_document ON sentences (document_id, ordinal);
CREATE TABLE passages (
    id bigserial PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal integer NOT NULL,
    first_sentence integer NOT NULL,
    last_sentence integer NOT NULL,
    vector halfvec({dimension}) NOT NULL
);
CREATE INDEX passages_document ON passages (document_id, ordinal)
"""
HNSW = (
    "CREATE INDEX IF NOT EXISTS {table}_vector ON {table} USING hnsw (vector halfvec_ip_ops) "
    f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
)


def exists(cur) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.meta",))
    return bool(cur.fetchone()[0])


def create(cur, info: IndexInfo, writers: str | None, readers: str | None) -> None:
    """The schema, tables, indexes and grants, in the caller's transaction."""
    cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    cur.execute(f"SET LOCAL search_path = {SCHEMA}, public")
    cur.execute(_TERMS)
    for statement in _TABLES.format(name=_NAME, schema=SCHEMA, dimension=info.dimension).split(";"):
        cur.execute(statement)
    for table in ("sentences", "passages"):
        cur.execute(HNSW.format(table=table))
    cur.execute(
        "INSERT INTO meta VALUES ('generation', '0'), ('schema', %s), ('index', %s)",
        (str(SCHEMA_VERSION), json.dumps(asdict(info))),
    )
    grant(cur, writers, readers)


def grant(cur, writers: str | None, readers: str | None) -> None:
    """What each role may do: readers search, writers index; nobody else gets anything."""
    from psycopg import sql

    cur.execute(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC")
    for role in (r for r in (writers, readers) if r):
        cur.execute(sql.SQL(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {{}}").format(sql.Identifier(role)))
        cur.execute(
            sql.SQL(f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {{}}").format(
                sql.Identifier(role)
            )
        )
    if writers:
        who = sql.Identifier(writers)
        cur.execute(
            sql.SQL(
                f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {{}}"
            ).format(who)
        )
        cur.execute(
            sql.SQL(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {{}}").format(who)
        )
