-- Liaison's exchange state on PostgreSQL: the audit chain and the ids of
-- accepted parcels, shared by every instance of one agency's service.
-- docs/exchange.md ("The PostgreSQL store") explains each rule. Running it
-- again changes nothing; `PostgresStore::connect` runs it under an
-- advisory lock, so instances starting together do not race.

-- One row per audit entry; `line` is the entry's JSON Lines form exactly
-- (the hash covers it, so it is kept as written, never re-rendered).
CREATE TABLE IF NOT EXISTS liaison_audit (
    seq  bigint PRIMARY KEY CHECK (seq >= 1),
    hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    prev text NOT NULL UNIQUE CHECK (prev ~ '^[0-9a-f]{64}$'),
    line text NOT NULL CHECK (strpos(line, E'\n') = 0)
);

-- The accepted parcels: the sender's agency id and the parcel id it chose
-- (another partner's parcel with the same id is another parcel). The
-- primary key makes a parcel accepted at most once, whatever the writers
-- do. Rows are never deleted: every instance relies on them, each with its
-- own replay window and clock.
CREATE TABLE IF NOT EXISTS liaison_replay (
    sender      text NOT NULL,
    parcel      uuid NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (sender, parcel)
);
CREATE INDEX IF NOT EXISTS liaison_replay_received_at ON liaison_replay (received_at);

-- Append-only: no entry is ever changed or removed.
CREATE OR REPLACE FUNCTION liaison_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'liaison_audit is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE OR REPLACE TRIGGER liaison_audit_append_only
    BEFORE UPDATE OR DELETE ON liaison_audit
    FOR EACH ROW EXECUTE FUNCTION liaison_audit_refuse_change();
CREATE OR REPLACE TRIGGER liaison_audit_no_truncate
    BEFORE TRUNCATE ON liaison_audit
    FOR EACH STATEMENT EXECUTE FUNCTION liaison_audit_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON liaison_audit FROM PUBLIC;

-- Each entry chains to the one before it: a writer that skipped the lock
-- still cannot fork the chain or leave a gap.
CREATE OR REPLACE FUNCTION liaison_audit_check_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before text;
BEGIN
    IF NEW.seq = 1 THEN
        IF NEW.prev <> repeat('0', 64) THEN
            RAISE EXCEPTION 'entry 1 must chain to the genesis hash';
        END IF;
    ELSE
        SELECT hash INTO before FROM liaison_audit WHERE seq = NEW.seq - 1;
        IF before IS NULL OR before <> NEW.prev THEN
            RAISE EXCEPTION 'entry % does not chain to entry %', NEW.seq, NEW.seq - 1;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER liaison_audit_chain
    BEFORE INSERT ON liaison_audit
    FOR EACH ROW EXECUTE FUNCTION liaison_audit_check_chain();

-- The ids of accepted parcels are append-only too: a deleted id would let
-- its parcel in again.
CREATE OR REPLACE FUNCTION liaison_replay_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'liaison_replay is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE OR REPLACE TRIGGER liaison_replay_append_only
    BEFORE UPDATE OR DELETE ON liaison_replay
    FOR EACH ROW EXECUTE FUNCTION liaison_replay_refuse_change();
CREATE OR REPLACE TRIGGER liaison_replay_no_truncate
    BEFORE TRUNCATE ON liaison_replay
    FOR EACH STATEMENT EXECUTE FUNCTION liaison_replay_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON liaison_replay FROM PUBLIC;
