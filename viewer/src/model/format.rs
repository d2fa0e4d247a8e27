//! Numbers, sizes and dates for people.

/// Human bytes: `512 B`, `1.5 kB`, `12.3 MB`.
pub fn human_bytes(bytes: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let b = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// A count with thin grouping: `12 345`.
pub fn human_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// `Critical` from `critical`.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `client certificate` from `ClientCertificate` (a kind's variant name, as people read it).
pub fn kind_words(name: &str) -> String {
    name.chars().fold(String::new(), |mut s, ch| {
        if ch.is_uppercase() && !s.is_empty() {
            s.push(' ');
        }
        s.push(ch.to_ascii_lowercase());
        s
    })
}

/// The date part of an RFC 3339 instant, or the text as it is.
pub fn short_date(text: &str) -> String {
    text.get(..10).filter(|d| d.len() == 10 && text.len() > 10).unwrap_or(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn human_formats() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500), "1.5 kB");
        assert_eq!(human_bytes(12_345_678), "12.3 MB");
        assert_eq!(human_count(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(human_count(12), "12");
        assert_eq!(capitalize("critical"), "Critical");
        assert_eq!(short_date("2026-01-02T03:04:05Z"), "2026-01-02");
        assert_eq!(short_date("unknown"), "unknown");
        assert_eq!(kind_words("ClientCertificate"), "client certificate");
        assert_eq!(kind_words("Csr"), "csr");
    }
}
