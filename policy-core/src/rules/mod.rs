//! Every rule, one file each, grouped by family (the two letters of the code).

pub mod an;
pub mod ap;
pub mod bt;
pub mod cc;
pub mod ek;
pub mod im;
pub mod kc;
pub mod mx;
pub mod oi;
pub mod sa;
pub mod st;
#[cfg(test)]
pub(crate) mod test_support;
pub mod tr;
pub mod ul;
pub mod wh;
