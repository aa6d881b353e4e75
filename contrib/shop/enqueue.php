<?php
/*
 * keapsync_enqueue(): queue a contact change for Keap from PHP (PDO, pgsql).
 * Copy this function into the shop. docs/integration.md shows it in use;
 * scripts/check-integration runs those examples against `keapsync sandbox`.
 *
 * Call it on the shop's own connection, inside the shop's transaction: the
 * row becomes visible to keapsync when that transaction commits, and a
 * rolled-back order never reaches Keap. The database role needs only what
 * `keapsync migrate --grant-shop ROLE` gives it.
 *
 *   $pdo->beginTransaction();
 *   // ... the shop's own writes ...
 *   keapsync_enqueue($pdo, 'customer-42', 'upsert', ['email' => 'ada@example.com']);
 *   $pdo->commit();
 *
 * $op is 'upsert' (with $payload: the keys of docs/payload.md) or 'delete'
 * (without). $account names a Keap account of keapsync's configuration.
 * Returns the id of the outbox row.
 *
 * Like keapsync's outbox, it does not refuse content: a payload keapsync
 * cannot use is dead-lettered with a message naming the key (`keapsync dead
 * list`), so a typo never fails the shop's order. Invalid UTF-8 in a string is
 * replaced by U+FFFD rather than throwing.
 *
 * Needs PHP 7.3 or later and the pdo_pgsql extension.
 */

declare(strict_types=1);

function keapsync_enqueue(
    PDO $pdo,
    string $contactRef,
    string $op = 'upsert',
    ?array $payload = null,
    string $account = 'default'
): int {
    $json = null;
    if ($payload !== null) {
        // PHP writes an empty array as [], but these keys (and the payload itself)
        // are JSON objects: {} keeps an empty one valid.
        foreach (['address', 'shipping_address', 'custom_fields', 'keap'] as $key) {
            if (isset($payload[$key]) && $payload[$key] === []) {
                $payload[$key] = new stdClass();
            }
        }
        $json = json_encode(
            $payload === [] ? new stdClass() : $payload,
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES
                | JSON_PRESERVE_ZERO_FRACTION | JSON_INVALID_UTF8_SUBSTITUTE
        );
    }
    $stmt = $pdo->prepare(
        'INSERT INTO keapsync.outbox (account, contact_ref, op, payload)'
        . ' VALUES (?, ?, ?, CAST(? AS jsonb)) RETURNING id'
    );
    if ($stmt === false || !$stmt->execute([$account, $contactRef, $op, $json])) {
        $error = $stmt === false ? $pdo->errorInfo() : $stmt->errorInfo();
        throw new RuntimeException('keapsync_enqueue: ' . implode(' ', $error));
    }
    return (int) $stmt->fetchColumn();
}
