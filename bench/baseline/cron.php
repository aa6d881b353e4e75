<?php
// The reference keapsync is measured against (bench/run): an outbox drainer
// the way a forum answer writes it, run from cron. PDO (pgsql) selects the
// pending rows, one curl handle (keep-alive) sends one Keap call per row —
// POST /contacts?duplicate_option=Email, then one applyTags per tag — and each
// delivered row is deleted in its own autocommit. No coalescing, no
// concurrency, no rate limiting, no retries beyond "the next cron run".
//
// usage: php cron.php --dsn DSN --keap URL --ca FILE (--key API_KEY | --bearer TOKEN)
//                     [--table NAME] [--max-seconds N] [--batch N] [--log FILE]
//   --table        the outbox table (default keapsync.outbox; bench/run gives
//                  the loop a copy of its own so that it never races keapsync)
//   --max-seconds  stop after N seconds even if rows remain
//   --log          append one line per Keap call, "<unix time> <status>", and
//                  one per deleted row, "<unix time> row" (for the bench)
// Runs until the outbox has no pending row, or until a whole batch failed
// (Keap refuses: leave the rest to the next cron run), or N seconds passed,
// and prints one JSON line:
//   {"rows": delivered, "seconds": wall time, "errors": failed rows,
//    "requests": Keap calls, "status": {"201": n, "429": n, ...}}

$opt = getopt('', ['dsn:', 'keap:', 'ca:', 'key:', 'bearer:', 'table:', 'max-seconds:', 'batch:', 'log:']);
foreach (['dsn', 'keap', 'ca'] as $k) {
    if (!isset($opt[$k])) {
        fwrite(STDERR, "cron.php: --$k is required\n");
        exit(2);
    }
}
if (isset($opt['key']) === isset($opt['bearer'])) {
    fwrite(STDERR, "cron.php: give --key API_KEY or --bearer TOKEN\n");
    exit(2);
}
$table = $opt['table'] ?? 'keapsync.outbox';
if (!preg_match('/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/', $table)) {
    fwrite(STDERR, "cron.php: --table must be a plain (schema.)name\n");
    exit(2);
}
$maxSeconds = isset($opt['max-seconds']) ? (float)$opt['max-seconds'] : INF;
$batch = isset($opt['batch']) ? max(1, (int)$opt['batch']) : 500;
$base = rtrim($opt['keap'], '/') . '/crm/rest/v2';
$log = isset($opt['log']) ? fopen($opt['log'], 'a') : null;

$pdo = new PDO($opt['dsn'], null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$ch = curl_init();
curl_setopt_array($ch, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_CAINFO => $opt['ca'],
    CURLOPT_CONNECTTIMEOUT => 10,
    CURLOPT_TIMEOUT => 30,
    CURLOPT_HTTPHEADER => [
        isset($opt['key']) ? 'X-Keap-API-Key: ' . $opt['key'] : 'Authorization: Bearer ' . $opt['bearer'],
        'Content-Type: application/json',
        'Accept: application/json',
    ],
]);

$requests = 0;
$statuses = [];  // HTTP status (0: no answer) => count
function keap($ch, string $method, string $url, ?array $body = null): array
{
    global $requests, $statuses, $log;
    curl_setopt($ch, CURLOPT_URL, $url);
    if ($method === 'GET') {
        curl_setopt($ch, CURLOPT_HTTPGET, true);
    } else {  // POST: the only other method used here
        curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($body ?? new stdClass()));
    }
    $out = curl_exec($ch);
    $status = (int)curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    $requests++;
    $statuses[$status] = ($statuses[$status] ?? 0) + 1;
    if ($log) {
        fwrite($log, sprintf("%.6f %d\n", microtime(true), $status));
    }
    return [$status, $out === false ? null : json_decode($out, true)];
}

// The forum answer's mapping: a few well-known fields, the rest ignored.
function contact_body(array $p): array
{
    $body = [];
    if (isset($p['email'])) {
        $body['email_addresses'] = [['email' => $p['email'], 'field' => 'EMAIL1']];
    }
    if (isset($p['phone'])) {
        $body['phone_numbers'] = [['number' => $p['phone'], 'field' => 'PHONE1']];
    }
    foreach (['given_name', 'family_name', 'middle_name', 'job_title', 'website'] as $k) {
        if (array_key_exists($k, $p)) {
            $body[$k] = $p[$k];
        }
    }
    return $body;
}

$tagIds = [];  // tag name => Keap id, for this run
function tag_id($ch, string $base, $tag, array &$tagIds): ?int
{
    if (is_int($tag)) {
        return $tag;
    }
    if (!isset($tagIds[$tag])) {
        [$status, $found] = keap($ch, 'GET', $base . '/tags?filter=' . rawurlencode('name==' . $tag));
        if ($status === 200 && !empty($found['tags'])) {
            $tagIds[$tag] = (int)$found['tags'][0]['id'];
        } else {
            [$status, $made] = keap($ch, 'POST', $base . '/tags', ['name' => $tag]);
            if ($status !== 201) {
                return null;
            }
            $tagIds[$tag] = (int)$made['id'];
        }
    }
    return $tagIds[$tag];
}

$select = $pdo->prepare("SELECT id, op, payload FROM $table
                          WHERE state = 'pending' ORDER BY id LIMIT $batch");
$delete = $pdo->prepare("DELETE FROM $table WHERE id = ?");
$start = microtime(true);
$rows = 0;
$errors = 0;
$stop = false;
while (!$stop) {
    $select->execute();
    $pending = $select->fetchAll(PDO::FETCH_ASSOC);
    if (!$pending) {
        break;
    }
    $failed = 0;  // in this batch
    foreach ($pending as $row) {
        if (microtime(true) - $start >= $maxSeconds) {
            $stop = true;
            break;
        }
        $p = json_decode($row['payload'] ?? '{}', true) ?: [];
        $ok = true;
        if ($row['op'] === 'upsert') {
            [$status, $contact] = keap($ch, 'POST', $base . '/contacts?duplicate_option=Email', contact_body($p));
            $ok = $status === 200 || $status === 201;
            foreach ($ok ? ($p['tags_add'] ?? []) : [] as $tag) {
                $id = tag_id($ch, $base, $tag, $tagIds);
                [$status] = $id === null ? [0] : keap($ch, 'POST', "$base/tags/$id/contacts:applyTags",
                                                      ['contact_ids' => [(string)$contact['id']]]);
                $ok = $ok && $status === 200;
            }
        }
        if (!$ok) {
            $failed++;  // left pending: the next cron run tries again
            continue;
        }
        $delete->execute([$row['id']]);
        $rows++;
        if ($log) {
            fwrite($log, sprintf("%.6f row\n", microtime(true)));
        }
    }
    $errors += $failed;
    if ($failed > 0 && $failed >= count($pending)) {
        break;  // nothing but failures: leave them to the next run
    }
}
ksort($statuses);
echo json_encode(['rows' => $rows, 'seconds' => microtime(true) - $start, 'errors' => $errors,
                  'requests' => $requests, 'status' => (object)$statuses]), "\n";
