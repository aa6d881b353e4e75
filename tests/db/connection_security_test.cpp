// Which database URLs send their traffic across a network unverified.
#include "db/connection_security.hpp"

#include <gtest/gtest.h>

namespace keapsync::db {
namespace {

TEST(ConnectionSecurity, RemoteTcpWithoutVerifyFullIsNamed) {
  EXPECT_EQ(unverified_remote_host("host=db.example.com dbname=shop"), "db.example.com");
  EXPECT_EQ(unverified_remote_host("host=db.example.com dbname=shop sslmode=require"),
            "db.example.com");
  EXPECT_EQ(unverified_remote_host("postgresql://shop@10.0.0.5:5432/shop"), "10.0.0.5");
  EXPECT_EQ(unverified_remote_host("host=/run/postgresql,db2.example dbname=shop"), "db2.example");
  // libpq connects to hostaddr; host only names the server then.
  EXPECT_EQ(unverified_remote_host("host=localhost hostaddr=192.0.2.7 dbname=shop"), "192.0.2.7");
}

TEST(ConnectionSecurity, SocketsLoopbackAndVerifyFullAreFine) {
  EXPECT_EQ(unverified_remote_host("host=/run/postgresql dbname=shop"), std::nullopt);
  EXPECT_EQ(unverified_remote_host("host=localhost dbname=shop"), std::nullopt);
  EXPECT_EQ(unverified_remote_host("postgresql://127.0.0.1/shop"), std::nullopt);
  EXPECT_EQ(unverified_remote_host("host=db.example.com hostaddr=127.0.0.1 dbname=shop"),
            std::nullopt);
  EXPECT_EQ(unverified_remote_host("host=db.example.com sslmode=verify-full dbname=shop"),
            std::nullopt);
  EXPECT_EQ(unverified_remote_host("postgresql://db.example.com/shop?sslmode=verify-full"),
            std::nullopt);
  EXPECT_EQ(unverified_remote_host("this is not = a conninfo"), std::nullopt);
}

}  // namespace
}  // namespace keapsync::db
