// Process exit codes (sysexits.h values, as systemd and scripts expect them).
#pragma once

namespace keapsync::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 64;        // EX_USAGE: bad command line
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE: database unreachable
inline constexpr int kExitConfig = 78;       // EX_CONFIG: bad configuration

}  // namespace keapsync::cli
