//! A text that many findings hold: the catalogue's, shared, or a report's own.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A finding's code, slug, docs page or remediation. The catalogue's texts are `'static` and
/// borrowed by every finding of the rule, not copied into each (a dump gives 10⁵ findings); a
/// rule's own remediation and a report read back from JSON own theirs. Either way it reads,
/// compares and serializes as the plain string.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SharedText(Cow<'static, str>);

impl SharedText {
    /// A catalogue (or other compile-time) text, borrowed.
    pub const fn of_static(text: &'static str) -> Self {
        Self(Cow::Borrowed(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text with secrets it may echo redacted ([`crate::util::redact`]). A `'static` text
    /// was written into the program (the catalogue, a rule's own words), never read from input,
    /// so only owned ones are looked at.
    #[must_use]
    pub fn redacted(self) -> Self {
        match self.0 {
            Cow::Borrowed(_) => self,
            Cow::Owned(text) => Self(Cow::Owned(crate::util::redact::string(text))),
        }
    }

    /// Drop the spare capacity of an owned text (`format!` leaves some).
    pub fn shrink_to_fit(&mut self) {
        if let Cow::Owned(text) = &mut self.0 {
            text.shrink_to_fit();
        }
    }
}

impl std::ops::Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedText {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SharedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for SharedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&'static str> for SharedText {
    fn from(text: &'static str) -> Self {
        Self::of_static(text)
    }
}

impl From<String> for SharedText {
    fn from(text: String) -> Self {
        Self(Cow::Owned(text))
    }
}

impl From<SharedText> for String {
    fn from(text: SharedText) -> Self {
        text.0.into_owned()
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedText> for &str {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

impl PartialEq<SharedText> for str {
    fn eq(&self, other: &SharedText) -> bool {
        *self == *other.0
    }
}

impl PartialEq<SharedText> for String {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_and_owned_texts_are_one_text() {
        let shared = SharedText::of_static("SA001");
        let owned = SharedText::from("SA001".to_string());
        assert_eq!(shared, owned);
        assert_eq!(serde_json::to_string(&shared).ok(), serde_json::to_string(&owned).ok());
        let read: Option<SharedText> = serde_json::from_str("\"SA001\"").ok();
        assert_eq!(read, Some(shared));
    }

    #[test]
    fn only_owned_texts_are_redacted() {
        // A compile-time text is the program's own words; an owned one may echo input.
        let owned = SharedText::from("rotate `--token s3cr3t`".to_string()).redacted();
        assert_eq!(owned, "rotate `--token REDACTED`");
        let ours = SharedText::of_static("pass `--token-auth-file` no more").redacted();
        assert_eq!(ours, "pass `--token-auth-file` no more");
    }
}
