"""search: accents and case folded in every search box; per-language full-text search of mentions

PostgreSQL only (SQLite stores nothing: saas/db.py registers relais_fold on each connection).
- The `unaccent` extension (a trusted extension: the database owner may create it).
- Text search configurations relais_fr, relais_en and relais_simple: french, english and simple
  with unaccent before the stemmer, so "Écume", "ecume" and "ÉCUME" are one word, "œuvre" is "oeuvre".
- relais_fold(text): lower case, no accents, punctuation to spaces (clients and cards search).
- mentions.search_vector: the title and excerpt as a tsvector in the mention's language
  (generated, stored), with a GIN index. It replaces the expression index ix_mentions_fts.
- relais_tsquery(text): a search text as a query in the three configurations at once.
- relais_mention_hits(text, cap): the current agency's mentions matching a search, through the
  GIN index. Why a function: for the app role, row-level security evaluates the policy before any
  condition that is not leakproof, and `@@` is not, so the planner may not use the GIN index in the
  app's own queries. The function runs as `relais_search`, a NOLOGIN role that reads the three
  columns it needs past the policy, and filters on the same `app.agency_id` setting as the policy.
  The app still reads the mentions themselves under row-level security.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

from saas.config import Config

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEARCH_ROLE = "relais_search"
CONFIGURATIONS = (("relais_fr", "french", "french_stem"), ("relais_en", "english", "english_stem"),
                  ("relais_simple", "simple", "simple"))
DOCUMENT = "coalesce(title, '') || ' ' || coalesce(excerpt, '')"
VECTOR = ("CASE language WHEN 'fr' THEN to_tsvector('public.relais_fr'::regconfig, {doc}) "
          "WHEN 'en' THEN to_tsvector('public.relais_en'::regconfig, {doc}) "
          "ELSE to_tsvector('public.relais_simple'::regconfig, {doc}) END").format(doc=DOCUMENT)

FOLD = r"""
CREATE FUNCTION public.relais_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)),
                                  '(\W|_)+', ' ', 'g')) $$
"""
TSQUERY = """
CREATE FUNCTION public.relais_tsquery(text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT websearch_to_tsquery('public.relais_fr'::regconfig, $1)
          || websearch_to_tsquery('public.relais_en'::regconfig, $1)
          || websearch_to_tsquery('public.relais_simple'::regconfig, $1) $$
"""
# plan_cache_mode: plan each call with its words, so the planner weighs them (rare: the GIN index).
HITS = """
CREATE FUNCTION public.relais_mention_hits(query text, cap integer) RETURNS SETOF integer
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    RETURN QUERY
        SELECT m.id FROM public.mentions AS m
        WHERE m.agency_id = NULLIF(current_setting('app.agency_id', true), '')::integer
          AND m.search_vector @@ public.relais_tsquery(query)
        LIMIT cap;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    for name, parser_copy, stemmer in CONFIGURATIONS:
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION public.{name} (COPY = pg_catalog.{parser_copy})")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION public.{name} "
                   f"ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.{stemmer}")
    op.execute(FOLD)
    op.execute(TSQUERY)
    op.execute("DROP INDEX IF EXISTS ix_mentions_fts")
    op.execute(f"ALTER TABLE mentions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED")
    op.execute("CREATE INDEX ix_mentions_search_vector ON mentions USING gin (search_vector)")

    # The role the search function runs as: it sees every agency's ids and vectors, nothing else.
    op.execute(f"DO $$ BEGIN CREATE ROLE {SEARCH_ROLE} NOLOGIN; "
               f"EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
    op.execute(f"GRANT {SEARCH_ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {SEARCH_ROLE}")
    op.execute(f"GRANT SELECT (id, agency_id, search_vector) ON mentions TO {SEARCH_ROLE}")
    op.execute(f"CREATE POLICY search_index ON mentions FOR SELECT TO {SEARCH_ROLE} USING (true)")
    op.execute(HITS)
    op.execute(f"GRANT CREATE ON SCHEMA public TO {SEARCH_ROLE}")  # needed to receive the function
    op.execute(f"ALTER FUNCTION public.relais_mention_hits(text, integer) OWNER TO {SEARCH_ROLE}")
    op.execute(f"REVOKE CREATE ON SCHEMA public FROM {SEARCH_ROLE}")
    op.execute("REVOKE ALL ON FUNCTION public.relais_mention_hits(text, integer) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION public.relais_mention_hits(text, integer) TO "{Config.DATABASE_APP_ROLE}"')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION public.relais_mention_hits(text, integer)")
    op.execute("DROP POLICY search_index ON mentions")
    op.execute(f"REVOKE ALL ON mentions FROM {SEARCH_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {SEARCH_ROLE}")
    # The role stays, as relais_app does: other databases of the server may use it.
    op.execute("DROP INDEX ix_mentions_search_vector")
    op.execute("ALTER TABLE mentions DROP COLUMN search_vector")
    op.execute("DROP FUNCTION public.relais_tsquery(text)")
    op.execute("DROP FUNCTION public.relais_fold(text)")
    for name, _copy, _stemmer in CONFIGURATIONS:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION public.{name}")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
    op.execute("CREATE INDEX ix_mentions_fts ON mentions USING gin "
               "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(excerpt, '')))")
