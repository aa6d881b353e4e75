// TokenCipher: AES-256-GCM round trip, authentication of key, account and
// every byte, and the three key file forms (and nothing else).
#include "db/token_cipher.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "support/temp_dir.hpp"

namespace keapsync::db {
namespace {

const std::string kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
// The same 32 bytes in base64.
const std::string kBase64Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

std::string raw_key(unsigned char first) {
  std::string k(32, '\0');
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<char>(first + i);
  return k;
}

TEST(TokenCipher, RoundTripAndFormat) {
  const auto c = TokenCipher::from_key_material(kHexKey);
  const std::string token = "refresh-token-value-1234567890";
  const auto sealed = c.encrypt(token, "shop");
  EXPECT_EQ(sealed.size(), 1 + 12 + token.size() + 16);
  EXPECT_EQ(static_cast<unsigned char>(sealed[0]), 0x01);
  EXPECT_EQ(sealed.find(token), std::string::npos);
  EXPECT_EQ(c.decrypt(sealed, "shop"), token);
  // A fresh nonce each time: the same token never seals to the same bytes.
  EXPECT_NE(c.encrypt(token, "shop"), sealed);
  EXPECT_EQ(c.decrypt(c.encrypt("", "shop"), "shop"), "");
}

TEST(TokenCipher, WrongKeyWrongAccountOrAnyChangedByteFails) {
  const auto c = TokenCipher::from_key_material(kHexKey);
  const auto other = TokenCipher::from_key_material(raw_key(0x80));
  const auto sealed = c.encrypt("the-access-token", "shop");
  EXPECT_EQ(other.decrypt(sealed, "shop"), std::nullopt);
  EXPECT_EQ(c.decrypt(sealed, "other-shop"), std::nullopt);
  EXPECT_EQ(c.decrypt(sealed, ""), std::nullopt);
  for (size_t i = 0; i < sealed.size(); ++i) {
    auto tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_EQ(c.decrypt(tampered, "shop"), std::nullopt) << "byte " << i;
  }
  EXPECT_EQ(c.decrypt(sealed.substr(0, sealed.size() - 1), "shop"), std::nullopt);
  EXPECT_EQ(c.decrypt(sealed.substr(0, 28), "shop"), std::nullopt);
  EXPECT_EQ(c.decrypt("", "shop"), std::nullopt);
}

TEST(TokenCipher, AcceptsRawHexAndBase64OfTheSameKey) {
  std::string raw(32, '\0');
  for (size_t i = 0; i < raw.size(); ++i)
    raw[i] = static_cast<char>(i);
  const auto from_raw = TokenCipher::from_key_material(raw);
  const auto from_hex = TokenCipher::from_key_material(kHexKey + "\n");
  const auto from_upper_hex = TokenCipher::from_key_material(
      "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  const auto from_base64 = TokenCipher::from_key_material(kBase64Key + "\r\n");
  const auto from_unpadded = TokenCipher::from_key_material(kBase64Key.substr(0, 43));
  EXPECT_EQ(from_raw.key_id(), from_hex.key_id());
  EXPECT_EQ(from_raw.key_id(), from_upper_hex.key_id());
  EXPECT_EQ(from_raw.key_id(), from_base64.key_id());
  EXPECT_EQ(from_raw.key_id(), from_unpadded.key_id());
  EXPECT_EQ(from_hex.decrypt(from_base64.encrypt("x", "a"), "a"), "x");
  // A raw key may end in a newline byte: it is key material, not text.
  auto raw_newline = raw_key(0x90);
  raw_newline.back() = '\n';
  EXPECT_NO_THROW(TokenCipher::from_key_material(raw_newline));
}

TEST(TokenCipher, KeyIdIsSixteenHexDigitsAndNamesTheKey) {
  const auto a = TokenCipher::from_key_material(kHexKey);
  const auto b = TokenCipher::from_key_material(raw_key(0x80));
  EXPECT_EQ(a.key_id().size(), 16u);
  EXPECT_EQ(a.key_id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a.key_id(), b.key_id());
  EXPECT_EQ(a.key_id(), TokenCipher::from_key_material(kHexKey).key_id());
  EXPECT_EQ(kHexKey.find(a.key_id()), std::string::npos);  // not a prefix of the key itself
}

TEST(TokenCipher, RejectsEverythingElseWithoutEchoingIt) {
  const std::vector<std::string> bad = {
      "",
      raw_key(0x80).substr(0, 31),                     // 31 raw bytes
      raw_key(0x80) + "x",                             // 33 raw bytes
      "correct horse battery staple 123",              // 32 bytes, but a password
      kHexKey.substr(0, 62),                           // 31 bytes of hex
      kHexKey + "00",                                  // 33 bytes of hex
      "zz" + kHexKey.substr(2),                        // not hex
      kBase64Key.substr(0, 40) + "====",               // not 32 bytes
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8*",  // bad base64 character
      "  " + kHexKey,                                  // leading junk
  };
  for (const auto& material : bad) {
    try {
      TokenCipher::from_key_material(material);
      ADD_FAILURE() << "accepted a key of " << material.size() << " bytes";
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("64 hex digits"), std::string::npos) << what;
      if (material.size() > 8) {
        EXPECT_EQ(what.find(material), std::string::npos) << what;
      }
    }
  }
}

TEST(TokenCipher, KeyFileIsFoundInTheCredentialsDirectory) {
  testing::TempDir dir;
  dir.write_secret("token.key", kHexKey + "\n");
  dir.write("bad.key", "short\n");
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  const auto c = TokenCipher::from_key_file("token.key");
  EXPECT_EQ(c.key_id(), TokenCipher::from_key_material(kHexKey).key_id());
  try {
    TokenCipher::from_key_file("bad.key");
    ADD_FAILURE() << "accepted a short key";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path() + "/bad.key"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TokenCipher::from_key_file("missing.key"), std::runtime_error);
  ::unsetenv("CREDENTIALS_DIRECTORY");
}

}  // namespace
}  // namespace keapsync::db
