"""A set-based door for batches: ``ledger_post_batch(...)`` (PostgreSQL).

The row triggers of 0003/0005 cost tens of microseconds per posting, which bounds a batch of a
thousand entries to a few times the single-entry rate. This function writes a whole batch in
three statements and keeps the same guarantees itself, set-based:

- entries: one ``INSERT … ON CONFLICT (idempotency_key) DO NOTHING`` (existing keys are left
  to the caller, which returns the first entry or refuses a different one);
- postings of the new entries: one ``INSERT``;
- balance counters: one ``INSERT … ON CONFLICT DO UPDATE`` per (account, shard), sorted by
  account (the global lock order single posts use too), lifetime earnings included;
- every new entry has at least two postings and balances per currency, checked from the
  batch before the function returns (an exception aborts the whole batch).

While it runs it sets the transaction-local flag ``ledger.batch`` = ``on``; the row triggers
(counter, deferred balance check, deferred posting count) have a ``WHEN`` clause that skips
them only while that flag is on, and the balance-counter guard lets the function (and only
code that sets the flag) write counters. The function clears the flag before it returns, so
every other statement of the transaction is checked row by row as before.
"""

from django.db import migrations

EARNING_KINDS = "('subscription', 'renewal', 'tip', 'purchase')"
NOT_IN_BATCH = "(current_setting('ledger.batch', true) IS DISTINCT FROM 'on')"

POSTGRES_FORWARD = f"""
DROP TRIGGER ledger_posting_apply ON ledger_posting;
CREATE TRIGGER ledger_posting_apply AFTER INSERT ON ledger_posting
    FOR EACH ROW WHEN {NOT_IN_BATCH} EXECUTE FUNCTION ledger_posting_apply();

DROP TRIGGER ledger_posting_balanced ON ledger_posting;
CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN {NOT_IN_BATCH} EXECUTE FUNCTION ledger_entry_check_balanced();

DROP TRIGGER ledger_entry_has_postings ON ledger_journalentry;
CREATE CONSTRAINT TRIGGER ledger_entry_has_postings AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN {NOT_IN_BATCH} EXECUTE FUNCTION ledger_entry_check_postings();

DROP TRIGGER ledger_balance_guard ON ledger_accountbalance;
CREATE TRIGGER ledger_balance_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_accountbalance
    FOR EACH ROW WHEN (pg_trigger_depth() < 1 AND {NOT_IN_BATCH})
    EXECUTE FUNCTION ledger_balance_guard();

CREATE FUNCTION ledger_post_batch(
    e_keys text[], e_fingerprints text[], e_kinds text[], e_memos text[],
    e_occurred timestamptz[], e_posted timestamptz, e_platforms bigint[], e_creators bigint[],
    e_source_types text[], e_source_ids text[],
    p_entry bigint[], p_accounts bigint[], p_amounts bigint[]
) RETURNS TABLE (out_position bigint, out_entry_id bigint) LANGUAGE plpgsql AS $$
DECLARE
    created_pos bigint[];
    created_ids bigint[];
    id_at bigint[];
    problem record;
BEGIN
    PERFORM set_config('ledger.batch', 'on', true);

    WITH src AS (
        SELECT * FROM unnest(e_keys, e_fingerprints, e_kinds, e_memos, e_occurred,
                             e_platforms, e_creators, e_source_types, e_source_ids)
            WITH ORDINALITY AS s(key, fp, kind, memo, occurred, platform, creator, stype, sid, pos)
    ), ins AS (
        INSERT INTO ledger_journalentry (idempotency_key, fingerprint, kind, memo, occurred_at,
                                         posted_at, platform_id, creator_id, source_type,
                                         source_id, reverses_id, posted_by_id)
        SELECT key, fp, kind, memo, occurred, e_posted, platform, creator, stype, sid, NULL, NULL
          FROM src ORDER BY pos
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id, idempotency_key
    )
    SELECT array_agg(src.pos ORDER BY src.pos), array_agg(ins.id ORDER BY src.pos)
      INTO created_pos, created_ids
      FROM ins JOIN src ON src.key = ins.idempotency_key;

    IF created_pos IS NOT NULL THEN
        -- id_at[position] = the new entry's id, NULL where the key already existed.
        IF array_length(created_pos, 1) = array_length(e_keys, 1) THEN
            id_at := created_ids;  -- every key was new (the usual case): positions 1..n
        ELSE
            SELECT array_agg(c.id ORDER BY s.pos) INTO id_at
              FROM generate_series(1, array_length(e_keys, 1)) AS s(pos)
              LEFT JOIN unnest(created_pos, created_ids) AS c(pos, id) ON c.pos = s.pos;
        END IF;

        SELECT c.pos INTO problem
          FROM unnest(created_pos) AS c(pos)
          LEFT JOIN (SELECT pos, count(*) AS n FROM unnest(p_entry) AS pos GROUP BY pos) k
            ON k.pos = c.pos
         WHERE coalesce(k.n, 0) < 2 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger: entry % needs at least two postings', id_at[problem.pos]
                USING ERRCODE = 'check_violation';
        END IF;

        SELECT p.pos, a.currency_id INTO problem
          FROM unnest(p_entry, p_accounts, p_amounts) AS p(pos, account_id, amount)
          JOIN ledger_account a ON a.id = p.account_id
         WHERE id_at[p.pos] IS NOT NULL
         GROUP BY p.pos, a.currency_id HAVING sum(p.amount) <> 0 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger: entry % does not balance in %', id_at[problem.pos],
                problem.currency_id USING ERRCODE = 'check_violation';
        END IF;

        INSERT INTO ledger_posting (entry_id, account_id, amount, occurred_at)
        SELECT id_at[p.pos], p.account_id, p.amount, e_occurred[p.pos]
          FROM unnest(p_entry, p_accounts, p_amounts) AS p(pos, account_id, amount)
         WHERE id_at[p.pos] IS NOT NULL;

        -- In account order: the lock order single posts use too (no deadlocks between them).
        INSERT INTO ledger_accountbalance (account_id, shard, balance, posting_count, earned)
        SELECT p.account_id, pg_backend_pid() % a.shard_count, sum(p.amount), count(*),
               sum(CASE WHEN a.kind = 'pending' AND p.amount < 0
                         AND e_kinds[p.pos] IN {EARNING_KINDS} THEN -p.amount ELSE 0 END)
          FROM unnest(p_entry, p_accounts, p_amounts) AS p(pos, account_id, amount)
          JOIN ledger_account a ON a.id = p.account_id
         WHERE id_at[p.pos] IS NOT NULL
         GROUP BY p.account_id, a.shard_count
         ORDER BY p.account_id
        ON CONFLICT (account_id, shard) DO UPDATE
            SET balance = ledger_accountbalance.balance + EXCLUDED.balance,
                posting_count = ledger_accountbalance.posting_count + EXCLUDED.posting_count,
                earned = ledger_accountbalance.earned + EXCLUDED.earned;
    END IF;

    PERFORM set_config('ledger.batch', '', true);
    RETURN QUERY SELECT c.pos, c.id FROM unnest(created_pos, created_ids) AS c(pos, id);
END $$;
"""  # noqa: S608 (only the constants above are formatted in)

POSTGRES_BACKWARD = """
DROP FUNCTION IF EXISTS ledger_post_batch(text[], text[], text[], text[], timestamptz[],
    timestamptz, bigint[], bigint[], text[], text[], bigint[], bigint[], bigint[]);
DROP TRIGGER ledger_posting_apply ON ledger_posting;
CREATE TRIGGER ledger_posting_apply AFTER INSERT ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_apply();
DROP TRIGGER ledger_posting_balanced ON ledger_posting;
CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_balanced();
DROP TRIGGER ledger_entry_has_postings ON ledger_journalentry;
CREATE CONSTRAINT TRIGGER ledger_entry_has_postings AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_postings();
DROP TRIGGER ledger_balance_guard ON ledger_accountbalance;
CREATE TRIGGER ledger_balance_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_accountbalance
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION ledger_balance_guard();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_balance_earned_counter")]
    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
