//! The Kubewarden policy module: a waPC guest for `wasm32-unknown-unknown` registering Kubewarden's
//! three operations. All protocol logic is in [`policy_wasm::kubewarden`]; this crate only exports.
//! It must never export anything named `opa_*`: kwctl would then take it for a Rego policy.
//! On other targets it compiles to nothing.

#[cfg(target_arch = "wasm32")]
mod guest {
    use policy_wasm::kubewarden;
    use wapc_guest::{CallResult, register_function};

    /// Called once by every waPC host after instantiation.
    #[expect(unsafe_code, reason = "waPC hosts look this export up by its exact name")]
    #[unsafe(no_mangle)]
    pub extern "C" fn wapc_init() {
        register_function("protocol_version", protocol_version);
        register_function("validate_settings", validate_settings);
        register_function("validate", validate);
    }

    fn protocol_version(_payload: &[u8]) -> CallResult {
        Ok(kubewarden::protocol_version())
    }

    fn validate_settings(payload: &[u8]) -> CallResult {
        Ok(kubewarden::validate_settings(payload))
    }

    fn validate(payload: &[u8]) -> CallResult {
        kubewarden::validate(payload).map_err(Into::into)
    }
}
