#!/usr/bin/env python3
# Extracts the request schemas keapsync's payload mapper writes (contacts, tags) from Keap's
# official v2 OpenAPI file into tests/keap/keap_v2_request_schemas.json, the fixture that
# tests/keap checks produced bodies against. Usage: extract-keap-schemas.py SWAGGER_YML OUT_JSON
import json
import sys

import yaml

NAMES = ["CreateUpdateContactRequest", "EmailAddressRequest", "PhoneNumber", "Address",
         "CustomFieldValue", "FaxNumber", "SocialAccount", "BasicCompany", "OriginRequest",
         "CreateContactUtmPropertiesRequest", "ApplyRemoveTagRequest", "CreateUpdateTagRequest", "AchieveGoalRequest", "UpdateEmailAddress",
         "CategoryReference"]

spec = yaml.safe_load(open(sys.argv[1]))
schemas = spec["components"]["schemas"]
out = {"source": "swagger.yml " + spec["info"].get("version", ""),
       "schemas": {n: schemas[n] for n in NAMES}}
patch = spec["paths"]["/rest/v2/contacts/{contact_id}"]["patch"]
mask = next(p for p in patch["parameters"] if p["name"] == "update_mask")
out["update_mask"] = mask["schema"]["items"]["enum"]
post = spec["paths"]["/rest/v2/contacts"]["post"]
dup = next(p for p in post["parameters"] if p["name"] == "duplicate_option")
out["duplicate_option"] = dup["schema"]["enum"]
json.dump(out, open(sys.argv[2], "w"), indent=1, sort_keys=True, ensure_ascii=False)
open(sys.argv[2], "a").write("\n")
