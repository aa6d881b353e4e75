// AES-256-GCM for OAuth tokens at rest: one key, its derived key id, and the
// stored format `version 0x01 | 12-byte random nonce | ciphertext | 16-byte tag`.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace keapsync::db {

class TokenCipher {
 public:
  static constexpr size_t kKeySize = 32;

  // Builds a cipher from the bytes of a key file. Accepted, nothing else:
  //  - exactly 32 raw bytes (e.g. `head -c 32 /dev/urandom`), unless all of
  //    them are printable text (that is a typo'd hex/base64 key or a password);
  //  - 64 hex digits (`openssl rand -hex 32`);
  //  - standard base64 of 32 bytes, 44 characters with padding (`openssl rand -base64 32`).
  // Trailing whitespace is ignored for the text forms. Throws
  // std::invalid_argument saying which forms are accepted; never echoes the key.
  static TokenCipher from_key_material(std::string_view material);

  // Reads the key file (a relative path is looked up in $CREDENTIALS_DIRECTORY
  // like every secret file) and calls from_key_material. Throws
  // std::runtime_error naming the path.
  static TokenCipher from_key_file(const std::string& path);

  TokenCipher(const TokenCipher&) = default;
  TokenCipher& operator=(const TokenCipher&) = default;
  ~TokenCipher();

  // 16 hex digits: the first 8 bytes of SHA-256("keapsync token key id\0" | key).
  // Stored next to each ciphertext so that a row names the key that sealed it.
  const std::string& key_id() const { return key_id_; }

  // Seals `plaintext`; `aad` (account and column) is authenticated, not stored.
  std::string encrypt(std::string_view plaintext, std::string_view aad) const;

  // Opens what encrypt made with the same key and aad. nullopt when the bytes
  // were sealed with another key or aad, were changed, or are not this format.
  std::optional<std::string> decrypt(std::string_view sealed, std::string_view aad) const;

 private:
  explicit TokenCipher(const std::array<unsigned char, kKeySize>& key);

  std::array<unsigned char, kKeySize> key_{};
  std::string key_id_;
};

}  // namespace keapsync::db
