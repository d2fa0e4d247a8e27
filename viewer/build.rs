//! Caps the viewer's WebAssembly memory, so that an input that needs more than the project's
//! memory goal makes the analysis worker fail (a message on the page) instead of growing until
//! the operating system kills the whole tab. The goal (docs/benchmarks.md) is a peak of at most
//! 8× the input's bytes + 64 MiB; the inputs are at most 256 MiB (`limits.maxTotalBytes`), so
//! 8 × 256 MiB + 64 MiB = 2112 MiB. The page's instance gets the same cap and needs far less.

/// 2112 MiB, a whole number of 64 KiB wasm pages.
const MAX_MEMORY_BYTES: u64 = (8 * 256 + 64) << 20;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32") {
        println!("cargo:rustc-link-arg-bins=--max-memory={MAX_MEMORY_BYTES}");
    }
}
