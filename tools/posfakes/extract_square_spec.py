"""Cut the operations the fake Square serves, and every schema they reach, out of Square's official
OpenAPI spec (square/connect-api-specification api.json, Apache-2.0; see LICENSE beside the output).

    .venv/bin/python tools/posfakes/extract_square_spec.py /path/to/shared/reference/pos-specs/square/api.json

Rerun it when the pinned spec is updated; the fake and its tests validate against the output."""
from __future__ import annotations

import json
import sys
from pathlib import Path

OPERATIONS = {  # path -> methods the fake implements
    "/v2/orders": ["post"],
    "/v2/orders/{order_id}": ["get", "put"],
    "/v2/orders/batch-retrieve": ["post"],
    "/v2/orders/search": ["post"],
    "/v2/catalog/list": ["get"],
    "/v2/catalog/object": ["post"],              # UpsertCatalogObject (a price, an 86 at a location)
    "/v2/catalog/object/{object_id}": ["get"],   # RetrieveCatalogObject (the version to write against)
}
EXTRA_SCHEMAS = ["OrderCreatedEvent", "OrderUpdatedEvent", "ErrorCode", "ErrorCategory", "Error"]
OUT = Path(__file__).parent / "src" / "posfakes" / "square" / "openapi-subset.json"


def refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def main(source: str) -> None:
    spec = json.loads(Path(source).read_text())
    paths = {p: {m: spec["paths"][p][m] for m in methods} for p, methods in OPERATIONS.items()}
    schemas, missing, todo = set(), set(), set(EXTRA_SCHEMAS)
    refs(paths, todo)
    while todo:
        name = todo.pop()
        if name in schemas or name in missing:
            continue
        if name not in spec["components"]["schemas"]:
            missing.add(name)  # the official spec refers to a few schemas it never defines
            continue
        schemas.add(name)
        refs(spec["components"]["schemas"][name], todo)
    info = {k: v for k, v in spec["info"].items() if k in ("title", "version", "license", "contact")}
    subset = {"openapi": spec["openapi"], "info": info, "servers": [{"url": "https://connect.squareup.com"}],
              "x-derived-from": "square/connect-api-specification api.json @5733f66 (2025-08-20): a subset, unchanged",
              "x-undefined-in-source": sorted(missing),
              "paths": paths,
              "components": {"securitySchemes": spec["components"]["securitySchemes"],
                             "schemas": {n: spec["components"]["schemas"][n] for n in sorted(schemas)}}}
    OUT.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n")
    print(f"{OUT}: {len(paths)} paths, {len(schemas)} schemas, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
