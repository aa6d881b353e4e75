// The SQL of every schema migration. Never edit a released migration: add one.
// docs/outbox.md describes the resulting schema. A migration that creates a
// function revokes EXECUTE from PUBLIC (PostgreSQL grants it by default, and
// per-schema default privileges cannot take it away); one that creates a
// SECURITY DEFINER function pins its search_path and schema-qualifies every name.
#include <array>

#include "db/migration.hpp"

namespace keapsync::db {
namespace {

// Version 1: the outbox contract of DESIGN.md §1, the lanes that order and
// coalesce it, the contact map and the credential store.
constexpr const char* kOutbox = R"sql(
CREATE FUNCTION keapsync.us_to_ts(us bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT timestamptz 'epoch' + us * interval '1 microsecond' $$;
CREATE FUNCTION keapsync.ts_to_us(ts timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (extract(epoch FROM ts) * 1000000)::bigint $$;

-- What the shop writes. Content is not constrained beyond NOT NULL: a bad
-- row must never abort the shop's own transaction; keapsync dead-letters it
-- with a reason instead.
CREATE TABLE keapsync.outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account         text NOT NULL DEFAULT 'default',
  contact_ref     text NOT NULL,
  op              text NOT NULL DEFAULT 'upsert',
  payload         jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  last_attempt_at timestamptz,
  dead_at         timestamptz
);
-- Rows are deleted once delivered: keep vacuum close behind.
ALTER TABLE keapsync.outbox SET (autovacuum_vacuum_scale_factor = 0.02,
                                 autovacuum_vacuum_insert_scale_factor = 0.05);
CREATE INDEX outbox_pending_idx ON keapsync.outbox (account, contact_ref, id) WHERE state = 'pending';
CREATE INDEX outbox_dead_idx ON keapsync.outbox (id) WHERE state = 'dead';

-- One lane per (account, contact_ref) with pending rows: the unit of claiming,
-- ordering and coalescing. lease_until is NULL when the lane is free; in the
-- future while a worker holds it (lease_token set) or while it waits for a
-- retry (lease_token NULL); in the past when the lease expired.
CREATE TABLE keapsync.lane (
  account     text NOT NULL,
  contact_ref text NOT NULL,
  first_id    bigint NOT NULL,
  lease_until timestamptz,
  leased_by   text,
  lease_token bigint,
  PRIMARY KEY (account, contact_ref)
) WITH (fillfactor = 70);
ALTER TABLE keapsync.lane SET (autovacuum_vacuum_scale_factor = 0.01);
CREATE INDEX lane_free_idx ON keapsync.lane (first_id) WHERE lease_until IS NULL;
CREATE INDEX lane_held_idx ON keapsync.lane (lease_until) WHERE lease_until IS NOT NULL;
CREATE SEQUENCE keapsync.lease_token_seq;

-- One statement-level trigger: lanes for the inserted contacts (in a fixed
-- order, so concurrent inserts cannot deadlock) and one NOTIFY. The DO UPDATE
-- locks a held lane until the shop commits, so a worker finishing that lane
-- sees the new row instead of deleting the lane under it.
CREATE FUNCTION keapsync.outbox_enqueued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO keapsync.lane AS l (account, contact_ref, first_id)
  SELECT account, contact_ref, min(id) FROM new_rows
  WHERE state = 'pending'
  GROUP BY account, contact_ref ORDER BY account, contact_ref
  ON CONFLICT (account, contact_ref) DO UPDATE SET first_id = least(l.first_id, excluded.first_id);
  PERFORM pg_notify('keapsync_outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_enqueued AFTER INSERT ON keapsync.outbox
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION keapsync.outbox_enqueued();

-- A convenience for shops: SELECT keapsync.enqueue('cust-42', 'upsert', '{"email":"a@b.example"}');
CREATE FUNCTION keapsync.enqueue(contact_ref text, op text, payload jsonb DEFAULT NULL,
                                 account text DEFAULT 'default') RETURNS bigint
  LANGUAGE sql AS $$
  INSERT INTO keapsync.outbox (account, contact_ref, op, payload)
  VALUES (enqueue.account, enqueue.contact_ref, enqueue.op, enqueue.payload) RETURNING id
$$;

-- The Keap contact id of each contact_ref, so that a changed e-mail updates
-- the same Keap contact instead of creating a second one.
CREATE TABLE keapsync.contact_map (
  account     text NOT NULL,
  contact_ref text NOT NULL,
  keap_id     text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, contact_ref)
);

-- OAuth tokens per account (encrypted when key_id is set). version counts
-- every change so that processes notice a sibling's refresh or a new auth.
CREATE TABLE keapsync.credentials (
  account       text PRIMARY KEY,
  access_token  bytea,
  refresh_token bytea,
  key_id        text,
  expires_at    timestamptz,
  state         text NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'reauthorization_required')),
  version       bigint NOT NULL DEFAULT 1,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
)sql";

// Version 2: what the token store and the refresh coordinator need besides
// the pair: when it was issued (the refresh schedule counts from there), the
// scope Keap returned (it names the tenant) and why re-authorization is needed.
constexpr const char* kCredentialDetails = R"sql(
ALTER TABLE keapsync.credentials
  ADD COLUMN issued_at     timestamptz,
  ADD COLUMN scope         text,
  ADD COLUMN reauth_reason text,
  ADD COLUMN reauth_at     timestamptz;
)sql";

// Version 3: one row per OAuth account about its latest token call, written
// on a connection of its own before the call and after it, while the
// credentials row is locked by the refresh. After a crash or a lost answer it
// tells a later invalid_grant apart from an unexplained lockout. No foreign
// key: inserting would need a share lock on the credentials row the refresh
// holds FOR UPDATE.
constexpr const char* kRefreshJournal = R"sql(
CREATE TABLE keapsync.refresh_attempt (
  account     text PRIMARY KEY,
  version     bigint NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  outcome     text
);
)sql";

// Version 4: claims per account (each account's free lanes in first-row
// order, so that one account's backlog cannot hold every slot), a count of
// claims that ended without a settlement (a crash, a lost lease), which
// dead-letters a contact that keeps taking the daemon down, and the tag names
// of each account, so that daemons create a missing name once.
constexpr const char* kFairClaims = R"sql(
ALTER TABLE keapsync.lane ADD COLUMN claims integer NOT NULL DEFAULT 0;
CREATE INDEX lane_free_by_account_idx ON keapsync.lane (account, first_id) WHERE lease_until IS NULL;
DROP INDEX keapsync.lane_free_idx;

-- keap_id once known; while NULL, creating_until is the end of the turn of
-- whoever creates the name in Keap.
CREATE TABLE keapsync.tag_name (
  account        text NOT NULL,
  name           text NOT NULL,
  keap_id        bigint,
  creating_until timestamptz,
  PRIMARY KEY (account, name)
);
)sql";

// Version 5: creates Keap cannot match by e-mail (keap/created_contact.hpp),
// noted before they are sent and forgotten once the contact's id is known.
constexpr const char* kContactCreates = R"sql(
CREATE TABLE keapsync.contact_create (
  account     text NOT NULL,
  contact_ref text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (account, contact_ref)
);
)sql";

// Version 6: the three roles of docs/operations.md. The trigger and enqueue
// run as the schema's owner, so that the shop's role needs INSERT on the
// outbox (or EXECUTE on enqueue) and no privilege on the lanes; a pinned
// search_path keeps a caller's objects from standing in for pg_catalog's.
// Nothing of the schema stays executable by every role.
constexpr const char* kLeastPrivilege = R"sql(
ALTER FUNCTION keapsync.outbox_enqueued() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION keapsync.enqueue(text, text, jsonb, text)
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA keapsync FROM PUBLIC;
)sql";

// Version 7: the Keap tenant (userinfo's tenant_id) an account's tokens were
// authorized for, so that `keapsync auth` refuses tokens of another Keap app.
constexpr const char* kCredentialTenant = R"sql(
ALTER TABLE keapsync.credentials ADD COLUMN tenant text;
)sql";

// Version 8: when a goal row's request left for Keap. Keap has no idempotency
// key for goals: a row claimed again with this set may have fired already, and
// goes dead instead of being sent twice (docs/payload.md, "Goals").
constexpr const char* kGoalSent = R"sql(
ALTER TABLE keapsync.outbox ADD COLUMN sent_at timestamptz;
)sql";

constexpr std::array kMigrations{
    Migration{1, "outbox, lanes, contact map, credentials", kOutbox},
    Migration{2, "credential issue time, scope, re-authorization reason", kCredentialDetails},
    Migration{3, "refresh attempts", kRefreshJournal},
    Migration{4, "claims per account, unsettled claims, tag names", kFairClaims},
    Migration{5, "creates Keap cannot match by e-mail", kContactCreates},
    Migration{6, "trigger and enqueue run as the owner; no function for PUBLIC", kLeastPrivilege},
    Migration{7, "the Keap tenant of each account's tokens", kCredentialTenant},
    Migration{8, "when a goal row was sent to Keap", kGoalSent},
};

}  // namespace

std::span<const Migration> all_migrations() {
  return kMigrations;
}

}  // namespace keapsync::db
