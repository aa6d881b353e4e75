// The suite's log, for the check that no secret reaches any log: when
// TEST_LOG_DIR is set (scripts/test sets it), what every keapsync
// process started by a test wrote is kept there, beside every secret a test
// handed to keapsync. scripts/check-test-logs then searches the kept output
// (and ctest's own log) for each recorded secret. Unset: both do nothing.
// (Not KEAPSYNC_*: keapsync refuses unknown KEAPSYNC_ variables, and the
// processes tests start inherit the environment.)
#pragma once

#include <string>
#include <string_view>

namespace keapsync::testing {

// Appends `output` of the process started as `command` to this test
// process's file in the log directory.
void keep_output(std::string_view command, std::string_view output);

// Records a secret that must never appear in any log. Throws for values
// shorter than 8 bytes: they would match by chance.
void record_secret(std::string_view value);

}  // namespace keapsync::testing
