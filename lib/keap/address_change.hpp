// AddressChange: the fields of `address` / `shipping_address`, each absent, null or set.
#pragma once

#include <string>

#include "keap/field_change.hpp"

namespace keapsync::keap {

struct AddressChange {
  FieldChange<std::string> line1, line2, locality, region_code, postal_code, country_code;
  // True when an earlier change in the same batch cleared the whole address (`address: null`)
  // and this one set it again: the slot is rebuilt from these fields alone, nothing is kept.
  bool replace_all = false;

  bool operator==(const AddressChange&) const = default;
};

}  // namespace keapsync::keap
