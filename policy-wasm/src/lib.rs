//! Thin adapters over policy-core for policy engines (built out in the policy-wasm issue).
