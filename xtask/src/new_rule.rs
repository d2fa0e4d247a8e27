//! `cargo xtask new-rule CODE slug`: the rule file, its `mod`/`use` lines, its registry line
//! (sorted by code) and a pair of fixtures to fill in. What stays to do is printed at the end.

use anyhow::{Context as _, anyhow, bail};
use policy_core::report::{Mechanism, Severity};
use std::path::Path;

const USAGE: &str = "usage: cargo xtask new-rule CODE slug [--severity S] [--mechanism M] [--scope audit|admit]";

pub fn run(args: &[String]) -> anyhow::Result<()> {
    scaffold(&crate::root(), args)
}

/// [`run`] into the workspace at `root` (a scratch copy in the test).
fn scaffold(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut positional = Vec::new();
    let mut severity = Severity::Medium;
    let mut mechanism = None;
    let mut scope = "Audit";
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--severity" => {
                let value = iter.next().context(USAGE)?;
                severity = Severity::parse(value).with_context(|| format!("unknown severity `{value}`"))?;
            }
            "--mechanism" => {
                let value = iter.next().context(USAGE)?;
                mechanism = Some(
                    Mechanism::ALL
                        .into_iter()
                        .find(|m| m.as_str() == value)
                        .with_context(|| format!("unknown mechanism `{value}`"))?,
                );
            }
            "--scope" => {
                scope = match iter.next().map(String::as_str) {
                    Some("audit") => "Audit",
                    Some("admit") => "Admit",
                    _ => return Err(anyhow!(USAGE)),
                };
            }
            _ => positional.push(arg.clone()),
        }
    }
    let [code, slug] = positional.as_slice() else { return Err(anyhow!(USAGE)) };
    check_code(code)?;
    check_slug(slug)?;
    if policy_core::registry::find(code).is_some() {
        bail!("{code} is already a rule");
    }
    if policy_core::registry::RETIRED.iter().any(|(c, ..)| c == code) {
        bail!("{code} is retired: codes are never reused");
    }
    let family = code.get(..2).unwrap_or_default().to_lowercase();
    let mechanism = mechanism.unwrap_or_else(|| default_mechanism(&family));
    let module = slug.replace('-', "_");
    let name = upper_camel(slug);

    let rules_dir = root.join("policy-core/src/rules");
    let family_dir = rules_dir.join(&family);
    let rule_file = family_dir.join(format!("{module}.rs"));
    if rule_file.exists() {
        bail!("{} exists already", rule_file.display());
    }
    let fixtures = root.join("tests/fixtures/rules").join(code);
    std::fs::create_dir_all(&family_dir).with_context(|| format!("{}", family_dir.display()))?;
    std::fs::create_dir_all(&fixtures).with_context(|| format!("{}", fixtures.display()))?;
    let mut touched = Vec::new();

    write(&rule_file, &rule_template(code, slug, &name, severity, mechanism, scope))?;
    touched.push(rule_file.clone());

    let family_mod = family_dir.join("mod.rs");
    let mut mod_text = std::fs::read_to_string(&family_mod).unwrap_or_default();
    if mod_text.is_empty() {
        let heading = crate::docs::FAMILIES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(&family))
            .map_or("rules", |(_, name)| name);
        mod_text = format!("//! {}: {heading}.\n", family.to_uppercase());
        let rules_mod = rules_dir.join("mod.rs");
        let text = read(&rules_mod)?;
        write(&rules_mod, &insert_after_last(&text, "pub mod ", &format!("pub mod {family};\n")))?;
        touched.push(rules_mod);
    }
    mod_text.push_str(&format!("\nmod {module};\npub(crate) use {module}::{name};\n"));
    write(&family_mod, &mod_text)?;
    touched.push(family_mod);

    let registry = rules_dir.parent().unwrap_or(&rules_dir).join("registry.rs");
    let text = read(&registry)?;
    let text = with_registry_line(&text, code, &format!("&{family}::{name}"))?;
    write(&registry, &with_code_line(&text, code)?)?;
    touched.push(registry);

    let kind = "Secret";
    write(
        &fixtures.join("bad_example.yaml"),
        &format!(
            "# expect: {code} {severity} {kind}/default/example\n\
             # Replace with a realistic object that must fire (kubectl create … --dry-run=client -o yaml).\n\
             apiVersion: v1\nkind: {kind}\nmetadata:\n  name: example\n  namespace: default\n"
        ),
    )?;
    write(
        &fixtures.join("ok_example.yaml"),
        &format!(
            "# Replace with a realistic object that must not fire.\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: example\n  namespace: default\n"
        ),
    )?;

    let status = std::process::Command::new("rustfmt").arg("--edition").arg("2024").args(&touched).status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("warning: rustfmt did not run cleanly; run `cargo fmt`");
    }
    println!("created {}", rule_file.display());
    println!("created {}/{{bad_example,ok_example}}.yaml", fixtures.display());
    println!("registered {family}::{name} in policy-core/src/registry.rs");
    println!(
        "\nnext: write the docs and the check, replace the fixtures, then\n  \
         cargo test -p authn-audit-tests --test rules && cargo xtask docs"
    );
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("{}", path.display()))
}

fn check_code(code: &str) -> anyhow::Result<()> {
    let b = code.as_bytes();
    let ok = b.len() == 5 && b.iter().take(2).all(u8::is_ascii_uppercase) && b.iter().skip(2).all(u8::is_ascii_digit);
    if ok { Ok(()) } else { Err(anyhow!("`{code}` is not a rule code (two capitals and three digits, e.g. SA007)")) }
}

fn check_slug(slug: &str) -> anyhow::Result<()> {
    let kebab = !slug.is_empty()
        && slug.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if !kebab {
        bail!("`{slug}` is not kebab-case");
    }
    if ["no-", "ensure-", "disallow-", "avoid-"].iter().any(|p| slug.starts_with(p)) {
        bail!("`{slug}`: a slug names the dangerous pattern, never `no-…`/`ensure-…`");
    }
    Ok(())
}

fn upper_camel(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn default_mechanism(family: &str) -> Mechanism {
    match family {
        "an" => Mechanism::Anonymous,
        "cc" => Mechanism::ClientCertificates,
        "st" => Mechanism::StaticTokenFile,
        "bt" => Mechanism::BootstrapTokens,
        "sa" => Mechanism::ServiceAccountTokens,
        "tr" => Mechanism::TokenRequest,
        "oi" => Mechanism::Oidc,
        "wh" => Mechanism::Webhook,
        "ap" => Mechanism::AuthenticatingProxy,
        _ => Mechanism::General,
    }
}

fn insert_after_last(text: &str, prefix: &str, line: &str) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = lines.iter().rposition(|l| l.starts_with(prefix)).map_or(0, |i| i + 1);
    lines.insert(at, line);
    lines.concat()
}

/// The registry with `entry` inserted before the first rule whose code sorts after `code`, or
/// at the end of `ALL`.
fn with_registry_line(text: &str, code: &str, entry: &str) -> anyhow::Result<String> {
    let next = policy_core::registry::ALL.iter().map(|r| r.meta()).find(|m| m.code > code);
    let anchor = match next {
        Some(meta) => {
            let family = meta.code.get(..2).unwrap_or_default().to_lowercase();
            format!("&{family}::{}", upper_camel(meta.slug))
        }
        None => "];".to_string(),
    };
    let all = text.find("pub static ALL").context("registry.rs has no `pub static ALL`")?;
    let at = text
        .get(all..)
        .and_then(|rest| {
            if anchor == "];" {
                rest.find("];")
            } else {
                rest.find(&format!("{anchor},")).or_else(|| rest.find(&anchor))
            }
        })
        .map(|i| all + i)
        .with_context(|| format!("cannot find `{anchor}` in registry.rs: add `{entry},` by hand"))?;
    let (before, after) = text.split_at(at);
    let sep = if anchor == "];" && !before.trim_end().ends_with(['[', ',']) { ", " } else { "" };
    Ok(format!("{before}{sep}{entry}, {after}"))
}

/// The registry with `"code",` inserted into `CODES` (the codes settings are checked against)
/// before the first code that sorts after it, or at its end.
fn with_code_line(text: &str, code: &str) -> anyhow::Result<String> {
    let next = policy_core::registry::CODES.iter().find(|c| **c > code);
    let anchor = next.map_or_else(|| "];".to_string(), |next| format!("\"{next}\","));
    let codes = text.find("pub static CODES").context("registry.rs has no `pub static CODES`")?;
    let at = text
        .get(codes..)
        .and_then(|rest| rest.find(&anchor))
        .map(|i| codes + i)
        .with_context(|| format!("cannot find `{anchor}` in registry.rs: add `\"{code}\",` to CODES by hand"))?;
    let (before, after) = text.split_at(at);
    let sep = if next.is_none() && !before.trim_end().ends_with(['[', ',']) { ", " } else { "" };
    Ok(format!("{before}{sep}\"{code}\", {after}"))
}

fn rule_template(code: &str, slug: &str, name: &str, severity: Severity, mechanism: Mechanism, scope: &str) -> String {
    format!(
        r#"use crate::rule::prelude::*;

declare_rule! {{
    /// ## What it does
    /// Flags … (this first sentence is the rule's title).
    ///
    /// ## Why is this bad?
    /// …
    ///
    /// ## Example
    /// ```yaml
    /// ```
    ///
    /// ## How to fix
    /// … (this paragraph is every finding's default remediation; `cargo xtask docs` adds the
    /// guide section, *{guide}*, to the page).
    pub {name} {{
        code: "{code}",
        slug: "{slug}",
        severity: Severity::{severity:?},
        mechanism: Mechanism::{mechanism:?},
        scope: Scope::{scope},
        status: Preview("{version}"),
    }}
}}

impl Check for {name} {{
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {{
        let _ = (cx, out);
    }}
}}

#[cfg(test)]
mod tests {{
    use super::*;
    use crate::rules::test_support::run;

    #[test]
    fn nothing_fires_on_an_empty_dump() {{
        let (found, not_assessable) = run(&{name}, Vec::new());
        assert!(found.is_empty(), "{{found:?}}");
        assert!(not_assessable.is_empty(), "{{not_assessable:?}}");
    }}
}}
"#,
        guide = mechanism.guide_section(),
        version = policy_core::TOOL_VERSION,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Generate a rule into a scratch copy of the workspace, then build it and run its test: the
    /// template must compile against today's `Context`, `declare_rule!` and registry. The copy
    /// sits at one fixed path and builds into this workspace's target directory, so the
    /// dependencies are reused and a run recompiles policy-core only.
    #[test]
    fn a_generated_rule_builds_and_its_test_passes() {
        let root = crate::root();
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let scratch = target.join("new-rule-scratch");
        let _ = std::fs::remove_dir_all(&scratch);
        // policy-core and the fixtures and fuzz seeds its unit tests read.
        copy_dir(&root.join("policy-core"), &scratch.join("policy-core"));
        copy_dir(&root.join("tests/fixtures"), &scratch.join("tests/fixtures"));
        copy_dir(&root.join("fuzz/seeds"), &scratch.join("fuzz/seeds"));
        for file in ["Cargo.lock", "rust-toolchain.toml", "rustfmt.toml"] {
            std::fs::copy(root.join(file), scratch.join(file)).unwrap();
        }
        let manifest: String = read(&root.join("Cargo.toml"))
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with("default-members"))
            .map(|line| if line.starts_with("members") { "members = [\"policy-core\"]" } else { line })
            .map(|line| format!("{line}\n"))
            .collect();
        write(&scratch.join("Cargo.toml"), &manifest).unwrap();

        let args = ["SA999", "example-pattern", "--severity", "low"].map(String::from);
        scaffold(&scratch, &args).unwrap();
        let registry = read(&scratch.join("policy-core/src/registry.rs")).unwrap();
        assert!(registry.contains("&sa::ExamplePattern"), "registered");
        assert!(registry.contains("\"SA999\","), "its code is in CODES");

        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args(["test", "--offline", "-p", "policy-core", "--lib", "--", "rules::sa::example_pattern"])
            .current_dir(&scratch)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            stdout.contains("rules::sa::example_pattern::tests::nothing_fires_on_an_empty_dump ... ok"),
            "{stdout}"
        );
        let _ = std::fs::remove_dir_all(&scratch);
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.is_dir() {
                copy_dir(&path, &to.join(entry.file_name()));
            } else {
                std::fs::copy(&path, to.join(entry.file_name())).unwrap();
            }
        }
    }

    #[test]
    fn names_follow_the_slug() {
        assert_eq!(upper_camel("legacy-token-secret"), "LegacyTokenSecret");
        assert!(check_slug("no-anonymous").is_err());
        assert!(check_slug("Bad_Slug").is_err());
        assert!(check_slug("token-auth-file").is_ok());
        assert!(check_code("SA007").is_ok());
        assert!(check_code("SA07").is_err());
        assert!(check_code("sa007").is_err());
    }

    #[test]
    fn registry_line_lands_in_code_order() {
        let first = policy_core::registry::ALL.first().unwrap().meta();
        let anchor = format!("&{}::{}", first.code.get(..2).unwrap().to_lowercase(), upper_camel(first.slug));
        let text = format!("pub static ALL: &[&dyn Rule] = &[{anchor}];\n");
        // A code after every registered one goes last.
        let last = with_registry_line(&text, "ZZ999", "&zz::Last").unwrap();
        assert!(last.contains(&format!("{anchor}, &zz::Last, ];")), "{last}");
        // A code before every registered one goes first.
        let before = with_registry_line(&text, "AA000", "&aa::First").unwrap();
        assert!(before.contains(&format!("&[&aa::First, {anchor}];")), "{before}");
    }

    #[test]
    fn code_line_lands_in_code_order() {
        let first = policy_core::registry::CODES.first().unwrap();
        let text = format!("pub static ALL: &[&dyn Rule] = &[];\npub static CODES: &[&str] = &[\"{first}\",];\n");
        let last = with_code_line(&text, "ZZ999").unwrap();
        assert!(last.contains(&format!("&[\"{first}\",\"ZZ999\", ];")), "{last}");
        let before = with_code_line(&text, "AA000").unwrap();
        assert!(before.contains(&format!("&[\"AA000\", \"{first}\",];")), "{before}");
    }
}
