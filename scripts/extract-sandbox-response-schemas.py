#!/usr/bin/env python3
# Extracts, from Keap's official v2 OpenAPI file, the response schemas of the routes
# `keapsync sandbox` serves (and the schemas they reference) into
# tests/sandbox/keap_v2_response_schemas.json, the fixture tests/sandbox checks recorded
# responses against. Usage: extract-sandbox-response-schemas.py SWAGGER_YML OUT_JSON
import json
import sys

import yaml

ROUTES = [
    ("get", "/rest/v2/oauth/connect/userinfo"),
    ("get", "/rest/v2/contacts"),
    ("post", "/rest/v2/contacts"),
    ("get", "/rest/v2/contacts/{contact_id}"),
    ("patch", "/rest/v2/contacts/{contact_id}"),
    ("delete", "/rest/v2/contacts/{contact_id}"),
    ("get", "/rest/v2/contacts/{contact_id}/tags"),
    ("get", "/rest/v2/tags"),
    ("post", "/rest/v2/tags"),
    ("get", "/rest/v2/tags/{tag_id}"),
    ("post", "/rest/v2/tags/{tag_id}/contacts:applyTags"),
    ("post", "/rest/v2/tags/{tag_id}/contacts:removeTags"),
    ("post", "/rest/v2/automations/goals/achieve"),
    ("get", "/rest/v2/emailAddresses/{email}/status"),
    ("patch", "/rest/v2/emailAddresses/{email}/status"),
]

spec = yaml.safe_load(open(sys.argv[1]))
schemas = spec["components"]["schemas"]
routes = {}
needed = set()


def collect(node):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[1]
            if name not in needed:
                needed.add(name)
                collect(schemas[name])
        for v in node.values():
            collect(v)
    elif isinstance(node, list):
        for v in node:
            collect(v)


for method, path in ROUTES:
    op = spec["paths"][path][method]
    out = {}
    for status, resp in op["responses"].items():
        content = resp.get("content", {}).get("application/json")
        out[str(status)] = content["schema"]["$ref"].rsplit("/", 1)[1] if content else None
        if content:
            collect(content["schema"])
    routes[method.upper() + " " + path] = out

doc = {"source": "swagger.yml " + spec["info"].get("version", ""),
       "routes": routes,
       "schemas": {n: schemas[n] for n in sorted(needed)}}
json.dump(doc, open(sys.argv[2], "w"), indent=1, sort_keys=True, ensure_ascii=False)
open(sys.argv[2], "a").write("\n")
