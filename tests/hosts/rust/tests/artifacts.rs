//! The built modules' shape, read with wasmparser: what each host links against.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code: a missing value should stop the test")]

use authn_audit_hosts::artifact;
use std::collections::BTreeMap;
use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};

#[derive(Debug, Default)]
struct Shape {
    imports: Vec<(String, String, TypeRef)>,
    exports: BTreeMap<String, (ExternalKind, u32)>,
    globals: Vec<Option<i32>>,
    customs: BTreeMap<String, Vec<u8>>,
    memories: Vec<wasmparser::MemoryType>,
}

impl Shape {
    fn of(wasm: &[u8]) -> Self {
        let mut shape = Shape::default();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.unwrap() {
                Payload::ImportSection(reader) => {
                    for import in reader {
                        let import = import.unwrap();
                        shape.imports.push((import.module.to_string(), import.name.to_string(), import.ty));
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.unwrap();
                        shape.exports.insert(export.name.to_string(), (export.kind, export.index));
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let mut ops = global.unwrap().init_expr.get_operators_reader();
                        shape.globals.push(match ops.read().unwrap() {
                            Operator::I32Const { value } => Some(value),
                            _ => None,
                        });
                    }
                }
                Payload::MemorySection(reader) => shape.memories.extend(reader.into_iter().map(Result::unwrap)),
                Payload::CustomSection(reader) => {
                    shape.customs.insert(reader.name().to_string(), reader.data().to_vec());
                }
                _ => {}
            }
        }
        shape
    }

    fn exported_global(&self, name: &str) -> Option<i32> {
        let imported = self.imports.iter().filter(|(_, _, t)| matches!(t, TypeRef::Global(_))).count() as u32;
        match self.exports.get(name)? {
            (ExternalKind::Global, index) => *self.globals.get((index - imported) as usize)?,
            _ => None,
        }
    }

    fn func_exports(&self) -> Vec<&str> {
        self.exports.iter().filter(|(_, (k, _))| *k == ExternalKind::Func).map(|(n, _)| n.as_str()).collect()
    }
}

#[test]
fn kubewarden_module_is_a_wapc_guest_with_metadata_and_no_opa_exports() {
    let wasm = artifact("kubewarden.wasm").unwrap();
    assert!(wasm.len() <= 1 << 20, "kubewarden.wasm is {} bytes, over the 1 MiB goal", wasm.len());
    let shape = Shape::of(&wasm);
    assert_eq!(shape.func_exports(), ["__guest_call", "wapc_init"]);
    assert!(matches!(shape.exports.get("memory"), Some((ExternalKind::Memory, _))));
    assert!(!shape.exports.keys().any(|n| n.starts_with("opa_")), "kwctl would take it for Rego");
    let known = [
        "__guest_request",
        "__guest_response",
        "__guest_error",
        "__host_call",
        "__host_response",
        "__host_response_len",
        "__host_error",
        "__host_error_len",
        "__console_log",
    ];
    for (module, name, _) in &shape.imports {
        assert!(module == "wapc" && known.contains(&name.as_str()), "unexpected import {module}.{name}");
    }
    let memory = shape.memories.first().unwrap();
    assert!(memory.maximum.is_none(), "the guest's memory must be able to grow");
    let metadata: serde_json::Value =
        serde_json::from_slice(shape.customs.get("io.kubewarden.metadata").unwrap()).unwrap();
    assert_eq!(metadata["protocolVersion"], "v1");
    assert_eq!(metadata["executionMode"], "kubewarden-wapc");
    assert_eq!(metadata["mutating"], false);
    assert_eq!(metadata["annotations"]["io.kubewarden.policy.version"], policy_core::TOOL_VERSION);
}

#[test]
fn opa_module_implements_abi_1_2_in_five_pages() {
    let shape = Shape::of(&artifact("opa.wasm").unwrap());
    assert_eq!(shape.exported_global("opa_wasm_abi_version"), Some(1));
    assert_eq!(shape.exported_global("opa_wasm_abi_minor_version"), Some(2));
    // Every export burrego requires, plus the 1.2 fast path and what the SDKs call.
    for name in [
        "builtins",
        "entrypoints",
        "eval",
        "opa_eval",
        "opa_eval_ctx_new",
        "opa_eval_ctx_set_input",
        "opa_eval_ctx_set_data",
        "opa_eval_ctx_set_entrypoint",
        "opa_eval_ctx_get_result",
        "opa_malloc",
        "opa_free",
        "opa_json_parse",
        "opa_json_dump",
        "opa_value_parse",
        "opa_value_dump",
        "opa_heap_ptr_get",
        "opa_heap_ptr_set",
        "opa_value_add_path",
        "opa_value_remove_path",
    ] {
        assert!(matches!(shape.exports.get(name), Some((ExternalKind::Func, _))), "missing export {name}");
    }
    assert!(matches!(shape.exports.get("memory"), Some((ExternalKind::Memory, _))), "ABI 1.1 exports memory");
    assert!(shape.memories.is_empty(), "the memory must be the host's");
    let allowed = [
        "memory",
        "opa_abort",
        "opa_println",
        "opa_builtin0",
        "opa_builtin1",
        "opa_builtin2",
        "opa_builtin3",
        "opa_builtin4",
    ];
    for (module, name, ty) in &shape.imports {
        assert!(module == "env" && allowed.contains(&name.as_str()), "unexpected import {module}.{name}");
        if let TypeRef::Memory(memory) = ty {
            assert!(memory.initial <= 5, "burrego gives 5 pages; the module asks {}", memory.initial);
            assert!(memory.maximum.is_none_or(|max| max >= 5120), "opa-wasmtime's memory goes to 5120 pages");
        }
    }
    assert!(shape.imports.iter().any(|(_, n, _)| n == "memory"), "env.memory is imported");
}

#[test]
fn npm_modules_export_the_api_and_nothing_of_the_other_hosts() {
    for dir in ["web", "node"] {
        let shape = Shape::of(&artifact(&format!("npm/{dir}/authn_audit_bg.wasm")).unwrap());
        for name in ["admit", "audit", "rules", "version"] {
            assert!(shape.exports.contains_key(name), "npm/{dir}: missing export {name}");
        }
        assert!(!shape.exports.keys().any(|n| n.starts_with("opa_") || n == "__guest_call"), "npm/{dir}");
        assert!(shape.imports.iter().all(|(_, _, t)| !matches!(t, TypeRef::Memory(_))), "npm/{dir} owns its memory");
    }
}
