//! How guessable a bearer token is: length, character pool, Shannon entropy, runs and sequences.
//!
//! Shared by the rules that judge tokens a person may have typed by hand (static token files,
//! bootstrap tokens). The thresholds are chosen so that a randomly generated token practically
//! never trips them (a random 16-character `[a-z0-9]` bootstrap secret has about 3.6 bits of
//! Shannon entropy per character; a run of 5 equal or consecutive characters in one has odds
//! below 1 in 10 000), while hand-made tokens (`admin123`, `aaaa…`, `abcdef0123456789`) do.

/// Words that make a token guessable wherever they appear in it (compared case-insensitively).
const COMMON_WORDS: &[&str] =
    &["password", "passw0rd", "secret", "token", "admin", "changeme", "kubernetes", "letmein", "qwerty", "welcome"];

/// A run of this many equal (`aaaaa`) or consecutive (`12345`, `edcba`) characters is a weakness.
pub const RUN_LIMIT: usize = 5;

/// What makes a token weak.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenWeakness {
    /// Fewer characters than required.
    Short {
        /// The token's length.
        length: usize,
        /// The required minimum.
        min: usize,
    },
    /// Few distinct characters for its length: Shannon entropy per character below half of
    /// what the length and character pool allow.
    LowEntropy {
        /// Estimated entropy of the whole token, bits.
        bits: f64,
    },
    /// The same character many times in a row.
    Repeated {
        /// Longest run of one character.
        run: usize,
    },
    /// Consecutive characters (`abcde`, `56789`, `98765`).
    Sequential {
        /// Longest ascending or descending run.
        run: usize,
    },
    /// Contains a common word (`admin`, `password`, …).
    CommonWord(&'static str),
}

impl std::fmt::Display for TokenWeakness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Short { length, min } => write!(f, "only {length} characters (minimum {min})"),
            Self::LowEntropy { bits } => write!(f, "low entropy (about {bits:.0} bits)"),
            Self::Repeated { run } => write!(f, "{run} equal characters in a row"),
            Self::Sequential { run } => write!(f, "{run} consecutive characters in a row"),
            // The word is part of the secret: name the weakness, never the word.
            Self::CommonWord(_) => f.write_str("contains a common word"),
        }
    }
}

/// Measurements of one token. Holds no part of the token itself.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenStrength {
    /// Characters.
    pub length: usize,
    /// Distinct characters.
    pub distinct: usize,
    /// Size of the character pool the token draws from (lower, upper, digits, other).
    pub pool: usize,
    /// Shannon entropy per character, bits.
    pub bits_per_char: f64,
    /// Longest run of one repeated character.
    pub longest_repeat: usize,
    /// Longest ascending or descending run of consecutive characters.
    pub longest_sequence: usize,
    common_word: Option<&'static str>,
}

impl TokenStrength {
    /// Measure a token.
    pub fn of(token: &str) -> Self {
        let chars: Vec<char> = token.chars().collect();
        let length = chars.len();
        let mut counts: std::collections::BTreeMap<char, usize> = std::collections::BTreeMap::new();
        for c in &chars {
            *counts.entry(*c).or_default() += 1;
        }
        #[expect(clippy::cast_precision_loss, reason = "token lengths are far below 2^52")]
        let bits_per_char = if length == 0 {
            0.0
        } else {
            let n = length as f64;
            counts
                .values()
                .map(|&k| {
                    let p = k as f64 / n;
                    // `p * log2(1/p)` rather than `-p * log2(p)`: no `-0` for a single repeated character.
                    p * (1.0 / p).log2()
                })
                .sum()
        };
        let classes = [
            (chars.iter().any(char::is_ascii_lowercase), 26),
            (chars.iter().any(char::is_ascii_uppercase), 26),
            (chars.iter().any(char::is_ascii_digit), 10),
            (chars.iter().any(|c| !c.is_ascii_alphanumeric()), 33),
        ];
        let pool = classes.iter().filter(|(used, _)| *used).map(|(_, size)| size).sum();
        let lower = token.to_ascii_lowercase();
        Self {
            length,
            distinct: counts.len(),
            pool,
            bits_per_char,
            longest_repeat: longest_run(&chars, |a, b| a == b),
            longest_sequence: longest_run(&chars, |a, b| u32::from(a) + 1 == u32::from(b))
                .max(longest_run(&chars, |a, b| u32::from(b) + 1 == u32::from(a))),
            common_word: COMMON_WORDS.iter().copied().find(|w| lower.contains(w)),
        }
    }

    /// Estimated entropy of the whole token, bits: Shannon entropy per character times length,
    /// capped by what the character pool allows.
    pub fn bits(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "small integers")]
        let (length, pool) = (self.length as f64, self.pool.max(1) as f64);
        (self.bits_per_char * length).min(length * pool.log2())
    }

    /// Everything weak about the token, given the minimum length the caller requires.
    pub fn weaknesses(&self, min_length: usize) -> Vec<TokenWeakness> {
        let mut weak = Vec::new();
        if self.length < min_length {
            weak.push(TokenWeakness::Short { length: self.length, min: min_length });
        }
        // The most a string of this length can show is log2(min(length, pool)) bits per
        // character; random tokens come close to it, hand-made ones fall far below.
        #[expect(clippy::cast_precision_loss, reason = "small integers")]
        let ceiling = (self.length.min(self.pool).max(1) as f64).log2();
        if self.length >= 4 && self.bits_per_char < ceiling / 2.0 {
            weak.push(TokenWeakness::LowEntropy { bits: self.bits() });
        }
        if self.longest_repeat >= RUN_LIMIT {
            weak.push(TokenWeakness::Repeated { run: self.longest_repeat });
        }
        if self.longest_sequence >= RUN_LIMIT {
            weak.push(TokenWeakness::Sequential { run: self.longest_sequence });
        }
        if let Some(word) = self.common_word {
            weak.push(TokenWeakness::CommonWord(word));
        }
        weak
    }
}

/// Length of the longest run where each neighbour pair satisfies `step`.
fn longest_run(chars: &[char], step: impl Fn(char, char) -> bool) -> usize {
    let mut best = usize::from(!chars.is_empty());
    let mut run = best;
    for pair in chars.windows(2) {
        if let [a, b] = pair
            && step(*a, *b)
        {
            run += 1;
            best = best.max(run);
        } else {
            run = 1;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(token: &str, min: usize) -> Vec<String> {
        TokenStrength::of(token)
            .weaknesses(min)
            .iter()
            .map(|w| format!("{w:?}").split([' ', '(', '{']).next().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn random_tokens_are_strong() {
        // A kubeadm-generated bootstrap secret, `head -c 16 /dev/urandom | xxd -p`, a password manager's.
        assert!(kinds("6tw6wnqgp5z0wb77", 16).is_empty());
        assert!(kinds("9f86d081884c7d659a2feaa0c55ad015", 32).is_empty());
        assert!(kinds("Qm3Xr7pL2vK9sT4wYb8NcE1u", 20).is_empty());
    }

    #[test]
    fn hand_made_tokens_are_weak() {
        assert_eq!(kinds("aaaaaaaaaaaaaaaa", 16), ["LowEntropy", "Repeated"]);
        assert_eq!(kinds("abcdef0123456789", 16), ["Sequential"]);
        assert_eq!(kinds("admin123", 16), ["Short", "CommonWord"]);
        assert_eq!(kinds("abababababababab", 16), ["LowEntropy"]);
        assert_eq!(kinds("", 1), ["Short"]);
        assert_eq!(TokenStrength::of("aaaaaaaaaaaaaaaa").weaknesses(16)[0].to_string(), "low entropy (about 0 bits)");
    }

    #[test]
    fn measures() {
        let s = TokenStrength::of("aab");
        assert_eq!((s.length, s.distinct, s.pool, s.longest_repeat, s.longest_sequence), (3, 2, 26, 2, 2));
        assert!((s.bits_per_char - 0.918).abs() < 0.01);
        let s = TokenStrength::of("98765x");
        assert_eq!(s.longest_sequence, 5);
        assert_eq!(s.pool, 36);
        assert!(TokenStrength::of("9f86d081884c7d659a2feaa0c55ad015").bits() > 100.0);
    }

    #[test]
    fn messages_never_hold_the_token() {
        let token = "letmein-please-letmein";
        for weakness in TokenStrength::of(token).weaknesses(64) {
            assert!(!weakness.to_string().contains(token));
        }
    }
}
