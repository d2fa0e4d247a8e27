//! `cargo xtask man [--check]`: write docs/man/, the man pages clap_mangen renders from the
//! CLI's own definition (`authn-audit man [SUBCOMMAND]`), or check the checked-in pages are current.

use anyhow::{Context as _, anyhow, bail};
use std::process::Command;

/// Where the pages live, relative to the workspace root.
const DIR: &str = "docs/man";

/// The pages: the tool's, then one per subcommand (`man authn-audit-scan`).
const PAGES: [(&str, Option<&str>); 5] = [
    ("authn-audit.1", None),
    ("authn-audit-scan.1", Some("scan")),
    ("authn-audit-rules.1", Some("rules")),
    ("authn-audit-explain.1", Some("explain")),
    ("authn-audit-completions.1", Some("completions")),
];

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(anyhow!("usage: cargo xtask man [--check]")),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let dir = crate::root().join(DIR);
    std::fs::create_dir_all(&dir).context(DIR)?;
    for (file, subcommand) in PAGES {
        let mut cmd = Command::new(&cargo);
        cmd.args(["run", "--quiet", "--locked", "-p", "authn-audit", "--", "man"]).current_dir(crate::root());
        cmd.args(subcommand);
        let out = cmd.output().context("cannot run cargo")?;
        if !out.status.success() {
            bail!("`authn-audit man` failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let path = dir.join(file);
        if check {
            if std::fs::read(&path).ok().as_deref() != Some(out.stdout.as_slice()) {
                bail!("{DIR}/{file} is out of date: run `cargo xtask man`");
            }
        } else {
            std::fs::write(&path, &out.stdout).with_context(|| format!("{DIR}/{file}"))?;
        }
    }
    Ok(())
}
