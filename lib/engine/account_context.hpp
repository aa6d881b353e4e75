// What the engine holds per configured Keap account.
#pragma once

#include <memory>
#include <string>

#include "engine/tag_batcher.hpp"
#include "engine/tag_resolver.hpp"
#include "keap/keap_api.hpp"

namespace keapsync::engine {

struct AccountContext {
  std::string name;
  keap::KeapApi* api = nullptr;
  std::unique_ptr<TagResolver> tags;
  std::unique_ptr<TagBatcher> tag_calls;  // applyTags / removeTags, many contacts per call
  bool create_missing_tags = true;        // tags_add naming a tag Keap lacks creates it
  int concurrency = 1;                    // its contacts in flight at once
};

}  // namespace keapsync::engine
