"""Rules the database itself enforces for the ledger (see docs/ledger.md).

PostgreSQL:
- every posting insert adds its amount to one shard of the account's balance counter
  (shard = backend pid modulo the account's shard_count, so concurrent connections spread
  over a hot account's rows);
- at commit (deferred constraint triggers) every entry has at least two postings and its
  postings sum to zero per currency;
- balance counters change only through that trigger (direct writes are refused);
- entries and postings are immutable (django-pgtrigger Protect triggers on the models).
SQLite (development): the balance counter trigger only; the service checks the rest.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE FUNCTION ledger_posting_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    shards integer;
BEGIN
    SELECT shard_count INTO shards FROM ledger_account WHERE id = NEW.account_id;
    INSERT INTO ledger_accountbalance (account_id, shard, balance, posting_count)
    VALUES (NEW.account_id, pg_backend_pid() % shards, NEW.amount, 1)
    ON CONFLICT (account_id, shard) DO UPDATE
        SET balance = ledger_accountbalance.balance + EXCLUDED.balance,
            posting_count = ledger_accountbalance.posting_count + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_posting_apply AFTER INSERT ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_apply();

CREATE FUNCTION ledger_entry_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad_currency text;
BEGIN
    SELECT a.currency_id INTO bad_currency
      FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
     WHERE p.entry_id = NEW.entry_id
     GROUP BY a.currency_id
    HAVING SUM(p.amount) <> 0
     LIMIT 1;
    IF bad_currency IS NOT NULL THEN
        RAISE EXCEPTION 'ledger: entry % does not balance in %', NEW.entry_id, bad_currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_balanced();

CREATE FUNCTION ledger_entry_check_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_posting WHERE entry_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger: entry % needs at least two postings', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entry_has_postings AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_postings();

CREATE FUNCTION ledger_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: balances change only by posting entries'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_balance_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_accountbalance
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION ledger_balance_guard();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS ledger_balance_guard ON ledger_accountbalance;
DROP FUNCTION IF EXISTS ledger_balance_guard();
DROP TRIGGER IF EXISTS ledger_entry_has_postings ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_entry_check_postings();
DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_entry_check_balanced();
DROP TRIGGER IF EXISTS ledger_posting_apply ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_posting_apply();
"""

SQLITE_FORWARD = """
CREATE TRIGGER ledger_posting_apply AFTER INSERT ON ledger_posting
BEGIN
    INSERT INTO ledger_accountbalance (account_id, shard, balance, posting_count)
    VALUES (NEW.account_id, 0, NEW.amount, 1)
    ON CONFLICT (account_id, shard) DO UPDATE
        SET balance = balance + excluded.balance, posting_count = posting_count + 1;
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS ledger_posting_apply;"


def _run(schema_editor, by_vendor: dict[str, str]) -> None:
    sql = by_vendor.get(schema_editor.connection.vendor)
    if sql:
        # A plain cursor: the SQL has no parameters and its % is the modulo operator.
        with schema_editor.connection.cursor() as cursor:
            if schema_editor.connection.vendor == "sqlite":
                cursor.connection.executescript(sql)
            else:
                cursor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
