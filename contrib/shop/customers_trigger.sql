-- keapsync trigger recipe: every INSERT, UPDATE and DELETE on the shop's
-- `customers` table writes its keapsync.outbox row in the same transaction,
-- without a change to the shop's code. docs/integration.md explains it;
-- scripts/check-integration runs it against `keapsync sandbox`.
--
-- Written for this table (adapt the two functions marked ADAPT to yours):
--
--   CREATE TABLE customers (
--     id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--     email        text,
--     first_name   text,
--     last_name    text,
--     phone        text,
--     street       text,
--     city         text,
--     postal_code  text,
--     country_code text,      -- ISO 3166-1 alpha-3: 'USA', 'DEU', 'GBR'
--     newsletter   boolean NOT NULL DEFAULT false
--   );
--
-- Run it as the role that owns `customers`, in the shop's database, after
-- `keapsync migrate --grant-shop ROLE` gave that role its INSERT on the
-- outbox. The triggers run as the role that changes `customers` (the shop's),
-- which needs nothing more. Safe to run again.
--
-- What it sends (docs/payload.md):
--   INSERT  an upsert with every mapped field, plus the Newsletter tag and an
--           e-mail opt-in when `newsletter` is true
--   UPDATE  an upsert with every mapped field again, when one of them or
--           `newsletter` changed (the Newsletter tag is added or removed then)
--   DELETE  a delete: the Keap contact is deleted
-- A customer with neither e-mail, phone nor address is not sent (Keap cannot
-- hold such a contact); it is sent once it has one.
--
-- The triggers are statement-level with transition tables: an UPDATE of
-- 10,000 customers is one INSERT into the outbox, not 10,000.

BEGIN;

-- ADAPT: the contact_ref of a customer: a stable id that never changes and is
-- never reused (not the e-mail).
CREATE OR REPLACE FUNCTION keapsync_customer_ref(customer_id bigint) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT 'customer-' || customer_id $$;

-- ADAPT: the Keap fields of one customer row. A NULL (or blank) column is a
-- JSON null, which clears that field of a known Keap contact (a new contact
-- leaves nulls out). Keap's length limits apply (given_name and family_name
-- at most 40 characters, email 75, ...): a longer value sends the row to the
-- dead letters with a message naming the field, so cut columns that may be
-- longer here, e.g. left(c.first_name, 40).
CREATE OR REPLACE FUNCTION keapsync_customer_payload(c customers) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'email',       nullif(btrim(c.email), ''),
    'given_name',  nullif(btrim(c.first_name), ''),
    'family_name', nullif(btrim(c.last_name), ''),
    'phone',       nullif(btrim(c.phone), ''),
    'address',     CASE WHEN num_nonnulls(nullif(btrim(c.street), ''), nullif(btrim(c.city), ''),
                                          nullif(btrim(c.postal_code), ''),
                                          nullif(btrim(c.country_code), '')) = 0
                        THEN NULL
                        ELSE jsonb_build_object(
                          'line1',        nullif(btrim(c.street), ''),
                          'locality',     nullif(btrim(c.city), ''),
                          'postal_code',  nullif(btrim(c.postal_code), ''),
                          'country_code', nullif(upper(btrim(c.country_code)), ''))
                   END)
$$;

-- Whether Keap can hold the customer: a new Keap contact needs an e-mail,
-- a phone or an address.
CREATE OR REPLACE FUNCTION keapsync_customer_sendable(c customers) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (p->>'email') IS NOT NULL OR (p->>'phone') IS NOT NULL OR (p->>'address') IS NOT NULL
  FROM keapsync_customer_payload(c) AS p
$$;

-- The Newsletter tag follows `newsletter` (prev is NULL for a new customer).
-- Signing up also opts the e-mail in for marketing; signing off removes the
-- tag only (Keap's API cannot opt an address out: that is Keap's unsubscribe).
CREATE OR REPLACE FUNCTION keapsync_customer_newsletter(prev customers, curr customers)
  RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN curr.newsletter AND NOT coalesce(prev.newsletter, false) THEN
      jsonb_build_object('tags_add', jsonb_build_array('Newsletter'))
      || CASE WHEN nullif(btrim(curr.email), '') IS NOT NULL
              THEN jsonb_build_object('opt_in_reason', 'Newsletter sign-up in the shop')
              ELSE '{}' END
    WHEN NOT curr.newsletter AND coalesce(prev.newsletter, false) THEN
      jsonb_build_object('tags_remove', jsonb_build_array('Newsletter'))
    ELSE '{}'
  END
$$;

CREATE OR REPLACE FUNCTION keapsync_customers_changed() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO keapsync.outbox (contact_ref, op, payload)
    SELECT keapsync_customer_ref(n.id), 'upsert',
           keapsync_customer_payload(n) || keapsync_customer_newsletter(NULL, n)
    FROM new_rows AS n
    WHERE keapsync_customer_sendable(n)
    ORDER BY n.id;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO keapsync.outbox (contact_ref, op, payload)
    SELECT keapsync_customer_ref(n.id), 'upsert',
           keapsync_customer_payload(n) || keapsync_customer_newsletter(o, n)
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE (keapsync_customer_payload(o) IS DISTINCT FROM keapsync_customer_payload(n)
           OR o.newsletter IS DISTINCT FROM n.newsletter)
      AND (keapsync_customer_sendable(o) OR keapsync_customer_sendable(n))
    ORDER BY n.id;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO keapsync.outbox (contact_ref, op)
    SELECT keapsync_customer_ref(o.id), 'delete'
    FROM old_rows AS o
    WHERE keapsync_customer_sendable(o)
    ORDER BY o.id;
  END IF;
  RETURN NULL;
END
$$;

-- One trigger per event: PostgreSQL allows transition tables only so.
DROP TRIGGER IF EXISTS keapsync_customers_inserted ON customers;
DROP TRIGGER IF EXISTS keapsync_customers_updated ON customers;
DROP TRIGGER IF EXISTS keapsync_customers_deleted ON customers;
CREATE TRIGGER keapsync_customers_inserted AFTER INSERT ON customers
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION keapsync_customers_changed();
CREATE TRIGGER keapsync_customers_updated AFTER UPDATE ON customers
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION keapsync_customers_changed();
CREATE TRIGGER keapsync_customers_deleted AFTER DELETE ON customers
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION keapsync_customers_changed();

COMMIT;
