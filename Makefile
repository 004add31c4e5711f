.PHONY: run test spec fmt
# The whole system locally: PostgreSQL, national-system stand-ins, demo data, web UI.
run:
	scripts/run.sh
# Every check and test (what CI runs).
test:
	scripts/test.sh
# Regenerate api-spec/openapi.json and the frontend's typed client from the code.
spec:
	cargo run --quiet -p motcua -- spec > api-spec/openapi.json
	cd frontend && npx --no-install openapi-typescript ../api-spec/openapi.json -o src/lib/api/schema.d.ts
fmt:
	cargo fmt --all
