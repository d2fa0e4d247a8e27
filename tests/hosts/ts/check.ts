// Type-checks the npm package's generated .d.ts (node build). Not run, only compiled.
import { admit, audit, rules, version, type AdmitResult, type Finding, type Severity } from "../../../dist/policy/npm/node/authn_audit.js";

const review = { kind: "AdmissionReview" as const, request: { operation: "CREATE" as const, object: { kind: "Pod" } } };
const answer: AdmitResult = admit(review, { rejectAt: "high", exemptNamespaces: ["kube-system"] });
if (answer.type === "success") {
  const allowed: boolean = answer.decision.allowed;
  const first: Finding | undefined = answer.decision.findings[0];
  const severity: Severity | undefined = first?.severity;
  void [allowed, severity];
  // @ts-expect-error a success has no errors
  void answer.errors;
} else {
  const message: string = answer.errors[0].message;
  void message;
}
admit(review.request);
// @ts-expect-error rejectAt is a severity
admit(review, { rejectAt: "sometimes" });

const report = audit([{ name: "dump.yaml", content: "kind: List" }], { now: "2025-11-28T12:00:00Z" });
if (report.type === "success") {
  const evaluatedAt: string = report.report.evaluatedAt;
  const codes: string[] = report.report.findings.map((f) => f.code);
  void [evaluatedAt, codes];
}
// @ts-expect-error files need a name and content
audit([{ path: "x" }]);

const catalogue = rules();
const scopes: ("audit" | "admit")[] = catalogue.map((r) => r.scope);
const v: string = version();
void [scopes, v];
