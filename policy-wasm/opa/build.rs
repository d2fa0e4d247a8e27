//! Link flags of the OPA module, for its wasm cdylib only (the viewer and the other modules build
//! the same target with the defaults). OPA hosts create the memory themselves, Kubewarden's burrego
//! with exactly 5 pages, so the module imports it and must fit its stack (64 KiB instead of Rust's
//! 1 MiB) and data in those 5 pages.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        for arg in ["--import-memory", "--export-memory", "-zstack-size=65536", "--initial-memory=327680"] {
            println!("cargo:rustc-link-arg-cdylib={arg}");
        }
    }
}
