// Route templates: one metric series per route, never one per contact or tag.
#include <gtest/gtest.h>

#include "keap/request_record.hpp"

namespace keapsync::keap {
namespace {

TEST(RouteTemplate, IdsBecomePlaceholdersAndTheQueryIsDropped) {
  EXPECT_EQ(route_template("/rest/v2/contacts?duplicate_option=Email"), "/rest/v2/contacts");
  EXPECT_EQ(route_template("/rest/v2/contacts/123?update_mask=email_addresses"),
            "/rest/v2/contacts/{id}");
  EXPECT_EQ(route_template("/rest/v2/tags/55/contacts:applyTags"),
            "/rest/v2/tags/{id}/contacts:applyTags");
  EXPECT_EQ(route_template("/rest/v2/tags?filter=name%3D%3D42"), "/rest/v2/tags");
  EXPECT_EQ(route_template("/rest/v2/contacts/7#x"), "/rest/v2/contacts/{id}");
}

TEST(RouteTemplate, OnlyWholeNumericSegmentsAreIds) {
  EXPECT_EQ(route_template("/rest/v2/oauth/connect/userinfo"), "/rest/v2/oauth/connect/userinfo");
  EXPECT_EQ(route_template("/rest/v2/contacts/12ab"), "/rest/v2/contacts/12ab");
  EXPECT_EQ(route_template("/rest/v2/contacts/"), "/rest/v2/contacts/");
  EXPECT_EQ(route_template(""), "");
}

}  // namespace
}  // namespace keapsync::keap
