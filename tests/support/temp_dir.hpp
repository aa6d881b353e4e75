// A temporary directory removed with everything in it when the object goes.
#pragma once

#include <string>

namespace keapsync::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the file's path.
  std::string write(const std::string& name, const std::string& content) const;
  // write() for a secret handed to keapsync (an API key, a client secret, a
  // token key): mode 0600, and recorded for the suite's log check
  // (support/suite_log.hpp).
  std::string write_secret(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace keapsync::testing
