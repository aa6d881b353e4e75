// AES-256-GCM with OpenSSL EVP; key file parsing and the key id.
#include "db/token_cipher.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "config/secret.hpp"

namespace keapsync::db {
namespace {

constexpr unsigned char kFormatVersion = 0x01;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr char kKeyIdContext[] = "keapsync token key id";
constexpr const char* kAcceptedForms =
    "a token encryption key must be exactly 32 random bytes, 64 hex digits "
    "(openssl rand -hex 32) or base64 of 32 bytes (openssl rand -base64 32)";

using Key = std::array<unsigned char, TokenCipher::kKeySize>;
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CtxPtr new_ctx() {
  CtxPtr ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  return ctx;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<Key> parse_hex(std::string_view s) {
  if (s.size() != 2 * TokenCipher::kKeySize) return std::nullopt;
  Key key{};
  for (size_t i = 0; i < key.size(); ++i) {
    const int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return key;
}

// Standard alphabet, 43 characters plus an optional single '='.
std::optional<Key> parse_base64(std::string_view s) {
  if (s.size() == 44 && s.back() == '=') s.remove_suffix(1);
  if (s.size() != 43) return std::nullopt;
  Key key{};
  size_t out = 0;
  unsigned bits = 0, nbits = 0;
  for (const char c : s) {
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      key[out++] = static_cast<unsigned char>((bits >> nbits) & 0xff);
    }
  }
  if (out != key.size()) return std::nullopt;
  return key;
}

bool all_text(std::string_view s) {
  for (const unsigned char c : s) {
    if (!(c >= 0x20 && c < 0x7f) && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

}  // namespace

TokenCipher TokenCipher::from_key_material(std::string_view material) {
  std::optional<Key> key;
  if (material.size() == kKeySize && !all_text(material)) {
    key.emplace();
    std::copy(material.begin(), material.end(), key->begin());
  } else {
    std::string_view text = material;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                             text.back() == '\t'))
      text.remove_suffix(1);
    key = parse_hex(text);
    if (!key) key = parse_base64(text);
  }
  if (!key) {
    throw std::invalid_argument(std::string(kAcceptedForms) + "; got " +
                                std::to_string(material.size()) + " bytes in another form");
  }
  TokenCipher cipher(*key);
  OPENSSL_cleanse(key->data(), key->size());
  return cipher;
}

TokenCipher TokenCipher::from_key_file(const std::string& path) {
  const std::string resolved = config::resolve_secret_path(path);
  std::string material = config::read_secret_bytes(path);
  try {
    TokenCipher cipher = from_key_material(material);
    OPENSSL_cleanse(material.data(), material.size());
    return cipher;
  } catch (const std::invalid_argument& e) {
    OPENSSL_cleanse(material.data(), material.size());
    throw std::runtime_error("token encryption key file " + resolved + ": " + e.what());
  }
}

TokenCipher::TokenCipher(const Key& key) : key_(key) {
  std::vector<unsigned char> input(std::begin(kKeyIdContext), std::end(kKeyIdContext));
  input.insert(input.end(), key_.begin(), key_.end());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(input.data(), input.size(), digest);
  OPENSSL_cleanse(input.data(), input.size());
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < 8; ++i) {
    key_id_ += kHex[digest[i] >> 4];
    key_id_ += kHex[digest[i] & 0x0f];
  }
}

TokenCipher::~TokenCipher() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string TokenCipher::encrypt(std::string_view plaintext, std::string_view aad) const {
  std::string out(1 + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = kFormatVersion;
  unsigned char* nonce = p + 1;
  unsigned char* body = nonce + kNonceSize;
  if (RAND_bytes(nonce, kNonceSize) != 1) throw std::runtime_error("RAND_bytes failed");

  auto ctx = new_ctx();
  int len = 0;
  // The version byte is authenticated too, so no byte of the record can change unnoticed.
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, p, 1) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &len, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, body + plaintext.size()) !=
          1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<std::string> TokenCipher::decrypt(std::string_view sealed,
                                                std::string_view aad) const {
  if (sealed.size() < 1 + kNonceSize + kTagSize || bytes(sealed)[0] != kFormatVersion) {
    return std::nullopt;
  }
  const unsigned char* p = bytes(sealed);
  const unsigned char* nonce = p + 1;
  const unsigned char* body = nonce + kNonceSize;
  const size_t body_size = sealed.size() - 1 - kNonceSize - kTagSize;
  std::string out(body_size, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  // The tag is an input; OpenSSL wants a mutable pointer.
  unsigned char tag[kTagSize];
  std::copy(body + body_size, body + body_size + kTagSize, tag);

  auto ctx = new_ctx();
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, p, 1) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), o, &len, body, static_cast<int>(body_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + len, &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

}  // namespace keapsync::db
