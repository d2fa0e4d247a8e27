//! Audit-log reading cost, as a ratio to plain JSON parsing of the same lines, and its peak
//! memory against the log's length.
//!
//! `cargo bench -p policy-core --bench audit [-- MEGABYTES...]` (default 100 1000).
//! - Throughput: one 64 MiB buffer of generated `audit.k8s.io/v1` events (Metadata level, one
//!   in ten with a `responseObject` body as level RequestResponse writes), measured as
//!   `serde_json::from_slice::<Value>` of every line (the baseline, 1.00) against
//!   `AuditLog::read` of the whole buffer (split, parse, aggregate). Best of three.
//! - Memory: for each size, a log of that many MB generated on the fly and pushed through a
//!   `FileReader` in 1 MiB chunks, as the CLI does with a file (generated rather than written
//!   to disk: the machine's disk is shared, and the reader sees the same bytes either way). The
//!   peak of live heap bytes is counted by the global allocator; it must not grow with the size.
//!
//! Not a timed test: figures go to `docs/benchmarks.md`.

use peak_alloc::PeakAlloc;
use policy_core::audit::{AuditLog, FileReader};
use std::time::Instant;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Event `i` as the API server writes it: 1 000 users, a third with a credential-id, one in
/// ten with a body.
fn event(i: u64) -> String {
    let user = i % 1000;
    let (username, extra) = match user % 3 {
        0 => (
            format!("system:serviceaccount:team-{}:app-{user}", user % 40),
            format!(
                r#","extra":{{"authentication.kubernetes.io/credential-id":["JTI=0f{user:06}"],"authentication.kubernetes.io/pod-name":["app-{user}-7d9f8"],"authentication.kubernetes.io/node-name":["worker-{}"]}}"#,
                user % 12
            ),
        ),
        1 => (format!("user-{user}@example.com"), String::new()),
        _ => (
            format!("cert-user-{user}"),
            format!(r#","extra":{{"authentication.kubernetes.io/credential-id":["X509SHA256={:064x}"]}}"#, user),
        ),
    };
    let body = if i.is_multiple_of(10) {
        r#","responseObject":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"settings","namespace":"team-1","resourceVersion":"81723"},"data":{"config.yaml":"replicas: 3\nimage: registry.example.com/app:1.2.3\nfeatureFlags: [a, b, c]\n"}}"#
    } else {
        ""
    };
    let (s, ms) = (i / 1000 % 86_400, i % 1000);
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"6f9d1c2e-{i:012x}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/team-{ns}/configmaps/settings","verb":"get","user":{{"username":"{username}","groups":["system:authenticated","team-{ns}"]{extra}}},"sourceIPs":["10.{a}.{b}.{c}"],"userAgent":"app/1.2.3 (linux/amd64) kubernetes/abcdef","objectRef":{{"resource":"configmaps","namespace":"team-{ns}","name":"settings","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}}{body},"requestReceivedTimestamp":"2025-11-27T{h:02}:{m:02}:{sec:02}.{ms:03}000Z","stageTimestamp":"2025-11-27T{h:02}:{m:02}:{sec:02}.{ms:03}900Z","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by RoleBinding"}}}}"#,
        ns = user % 40,
        a = user % 7,
        b = user % 250,
        c = i % 250,
        h = s / 3600,
        m = s / 60 % 60,
        sec = s % 60,
    )
}

fn best_of_three(mut f: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn throughput() {
    let mut buffer = Vec::with_capacity(64 << 20);
    let mut i = 0;
    while buffer.len() < 64 << 20 {
        buffer.extend_from_slice(event(i).as_bytes());
        buffer.push(b'\n');
        i += 1;
    }
    let baseline = best_of_three(|| {
        for line in buffer.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let value: serde_json::Value = serde_json::from_slice(line).unwrap_or_default();
            std::hint::black_box(value);
        }
    });
    let mut requests = 0;
    let reader = best_of_three(|| {
        let mut log = AuditLog::default();
        log.read("bench.log", &buffer);
        requests = log.requests;
        std::hint::black_box(log);
    });
    let mb = buffer.len() as f64 / 1e6;
    println!("throughput: {i} events, {mb:.1} MB, {requests} requests counted");
    println!("  serde_json::from_slice::<Value> per line  {:>7.3} s  {:>6.1} MB/s  1.00", baseline, mb / baseline);
    println!(
        "  AuditLog::read (parse + aggregate)       {:>7.3} s  {:>6.1} MB/s  {:.2}",
        reader,
        mb / reader,
        reader / baseline
    );
}

fn memory(megabytes: u64) {
    let target = megabytes * 1_000_000;
    ALLOC.reset_peak_usage();
    let before = ALLOC.current_usage();
    let start = Instant::now();
    let mut log = AuditLog::default();
    let mut reader = FileReader::new("generated.log");
    let (mut written, mut i, mut chunk) = (0u64, 0u64, Vec::with_capacity((1 << 20) + 4096));
    while written < target {
        while chunk.len() < 1 << 20 {
            chunk.extend_from_slice(event(i).as_bytes());
            chunk.push(b'\n');
            i += 1;
        }
        reader.push(&mut log, &chunk);
        written += chunk.len() as u64;
        chunk.clear();
    }
    reader.finish(&mut log);
    let peak = ALLOC.peak_usage().saturating_sub(before);
    println!(
        "memory: {:>6} MB log, {i:>9} events, {:>4} identities: peak heap {:>6.1} MiB ({:.1} s)",
        written / 1_000_000,
        log.identities().len(),
        peak as f64 / f64::from(1 << 20),
        start.elapsed().as_secs_f64()
    );
}

fn main() {
    let sizes: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    throughput();
    for size in if sizes.is_empty() { vec![100, 1000] } else { sizes } {
        memory(size);
    }
}
