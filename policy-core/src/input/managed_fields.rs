//! What the loader keeps of `metadata.managedFields`, the API server's server-side-apply
//! bookkeeping: one entry per field manager (`manager`, `operation`, `apiVersion`, `time`,
//! `fieldsType`, and `fieldsV1`, a map of empty maps often as big as the rest of the object).
//! Every object read through the API carries it, and the only reader is CSR approval
//! (`inventory/certs.rs`: an `approval` entry whose `manager` is kubectl marks a manual
//! approval). So only the entries of the `approval` subresource are kept, each with just its
//! `manager` and `subresource`, and `managedFields` goes when none is left. Lines do not move:
//! the locator reads the text, not the tree.

use crate::value::Value;

/// The key of the list.
pub(super) const KEY: &str = "managedFields";

/// Whether a key of an entry is kept.
pub(super) fn kept_key(key: &str) -> bool {
    matches!(key, "manager" | "subresource")
}

/// Whether an entry (read with its kept keys) is kept: it records an approval.
pub(super) fn kept_entry(entry: &Value) -> bool {
    entry.get("subresource").and_then(Value::as_str) == Some("approval")
}

/// Trim `metadata.managedFields` of an object built by a reader that kept it whole.
pub(super) fn trim(object: &mut Value) {
    let Some(Value::Object(metadata)) = object.get_mut("metadata") else { return };
    let Some(Value::Array(entries)) = metadata.get_mut(KEY) else { return };
    let kept: Vec<Value> = std::mem::take(entries)
        .into_vec()
        .into_iter()
        .filter(kept_entry)
        .map(|entry| match entry {
            Value::Object(map) => {
                Value::Object(map.into_iter().filter(|(k, _)| kept_key(k)).collect::<crate::value::Map>())
            }
            other => other,
        })
        .collect();
    if kept.is_empty() {
        metadata.remove(KEY);
    } else {
        *entries = kept.into_boxed_slice();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{InputFile, Limits, load};
    use crate::inventory::certs::{Approval, Certificates};
    use crate::inventory::x509::tests::{MALLORY_CSR_PEM, b64};
    use serde_json::json;

    /// A CSR approved with `kubectl certificate approve` under another reason (only its
    /// `approval` entry says a person did it) and a Pod, both with the API server's entries.
    fn dump() -> serde_json::Value {
        let fields =
            json!({"f:status": {"f:conditions": {".": {}, "k:{\"type\":\"Approved\"}": {".": {}, "f:type": {}}}}});
        let entry = |manager: &str, subresource: Option<&str>| {
            let mut e = json!({"apiVersion": "certificates.k8s.io/v1", "fieldsType": "FieldsV1", "fieldsV1": fields,
                               "manager": manager, "operation": "Update", "time": "2026-11-01T10:00:00Z"});
            if let Some(s) = subresource {
                e["subresource"] = json!(s);
            }
            e
        };
        json!({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
             "metadata": {"name": "m", "managedFields": [entry("kubectl", None), entry("kubectl-certificate", Some("approval")),
                                                         entry("kube-controller-manager", Some("status"))]},
             "spec": {"request": b64(MALLORY_CSR_PEM), "signerName": "kubernetes.io/kube-apiserver-client"},
             "status": {"conditions": [{"type": "Approved", "status": "True", "reason": "ApprovedByOps"}]}},
            {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "p", "namespace": "ns", "managedFields": [entry("kubelet", Some("status"))]},
             "spec": {"containers": [{"name": "c", "image": "i"}]}}
        ]})
    }

    fn yaml(value: &serde_json::Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        serde_json::Value::Object(m) if !m.is_empty() => {
                            out.push_str(&format!("{pad}{k:?}:\n"));
                            yaml(v, indent + 2, out);
                        }
                        serde_json::Value::Array(a) if !a.is_empty() => {
                            out.push_str(&format!("{pad}{k:?}:\n"));
                            for item in a {
                                out.push_str(&format!("{pad}-\n"));
                                yaml(item, indent + 2, out);
                            }
                        }
                        _ => out.push_str(&format!("{pad}{k:?}: {v}\n")),
                    }
                }
            }
            other => out.push_str(&format!("{pad}{other}\n")),
        }
    }

    #[test]
    fn only_approvals_are_kept_and_csr_approval_still_reads_them() {
        let value = dump();
        let mut block = String::new();
        yaml(&value, 0, &mut block);
        let forms = [
            ("d.json", serde_json::to_string_pretty(&value).unwrap()),
            ("d.yaml", block),
            // Not a List: each object read whole (the JSON reader's other path).
            ("s.json", value["items"].as_array().unwrap().iter().map(|o| format!("{o:#}\n")).collect()),
        ];
        for (name, text) in forms {
            let loaded = load(&[InputFile { name, bytes: text.as_bytes() }], &Limits::default());
            assert!(loaded.inputs[0].diagnostics.is_empty(), "{name}: {:?}", loaded.inputs[0].diagnostics);
            let [csr, pod] = loaded.objects.as_slice() else { panic!("{name}: {:?}", loaded.objects) };
            assert_eq!(
                csr.value["metadata"][KEY],
                json!([{"manager": "kubectl-certificate", "subresource": "approval"}]),
                "{name}"
            );
            assert_eq!(pod.value["metadata"].get(KEY), None, "{name}: no entry left, no list");
            assert_eq!(pod.value["metadata"]["name"], "p");
            let (found, _) = Certificates::collect(&loaded.objects);
            assert_eq!(
                found.csrs[0].approval,
                Approval::Approved { reason: "ApprovedByOps".to_string(), manual: true },
                "{name}: a kubectl approval is still seen"
            );
        }
    }

    #[test]
    fn trim_keeps_what_the_readers_keep() {
        let mut object = crate::value::Value::from(dump()["items"][0].clone());
        let before = object.clone();
        trim(&mut object);
        assert_eq!(object["metadata"][KEY], json!([{"manager": "kubectl-certificate", "subresource": "approval"}]));
        assert_eq!(object["spec"], before["spec"]);
        let mut pod = crate::value::Value::from(dump()["items"][1].clone());
        trim(&mut pod);
        assert_eq!(pod["metadata"], json!({"name": "p", "namespace": "ns"}));
    }
}
