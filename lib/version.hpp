// The version of keapsync, set by CMake from the project version.
#pragma once

namespace keapsync {

inline constexpr const char* kVersion = KEAPSYNC_VERSION;

}  // namespace keapsync
