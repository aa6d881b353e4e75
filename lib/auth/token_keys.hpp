// The keys that seal stored tokens: token_encryption_key_file and the
// previous ones still being rotated out.
#pragma once

#include <optional>
#include <vector>

#include "db/token_cipher.hpp"

namespace keapsync::auth {

struct TokenKeys {
  std::optional<db::TokenCipher> current;
  std::vector<db::TokenCipher> previous;
};

}  // namespace keapsync::auth
