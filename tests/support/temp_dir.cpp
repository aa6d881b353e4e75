// Temporary directories for tests.
#include "support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "support/suite_log.hpp"

namespace keapsync::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "keapsync-test.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file);
  return file;
}

std::string TempDir::write_secret(const std::string& name, const std::string& content) const {
  // keapsync drops trailing line breaks from secret files; so does the check.
  record_secret(content.substr(0, content.find_last_not_of("\r\n") + 1));
  const std::string file = write(name, content);
  // keapsync refuses a secret file others may read, as ssh does a key.
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return file;
}

}  // namespace keapsync::testing
