//! OPA Wasm ABI module (in progress).
