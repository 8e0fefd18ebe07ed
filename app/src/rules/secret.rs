//! Random secrets and their SHA-256 digests. Tokens, session cookies and (later) invitation
//! links are all "show once, keep only the hash" secrets built from these two pieces.

use rand::{distr::Alphanumeric, CryptoRng, Rng};
use sha2::{Digest, Sha256};
use std::fmt;

/// `len` characters drawn uniformly from `[A-Za-z0-9]`.
pub fn random_base62<R: Rng + CryptoRng + ?Sized>(rng: &mut R, len: usize) -> String {
    rng.sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// The SHA-256 of a secret: what the database keeps instead of the secret itself.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    pub fn of(secret: impl AsRef<[u8]>) -> Self {
        Self(Sha256::digest(secret.as_ref()).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

// A digest is not secret, but printing a short form keeps logs readable.
impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretHash({}…)", &self.to_hex()[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn random_base62_has_requested_length_and_alphabet() {
        let mut rng = StdRng::seed_from_u64(7);
        for len in [0, 1, 43, 200] {
            let s = random_base62(&mut rng, len);
            assert_eq!(s.len(), len);
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()), "{s}");
        }
    }

    #[test]
    fn hash_matches_known_sha256_vector() {
        assert_eq!(
            SecretHash::of("abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hash_round_trips_through_bytes() {
        let h = SecretHash::of("x");
        assert_eq!(SecretHash::from_bytes(h.as_bytes()), Some(h));
        assert_eq!(SecretHash::from_bytes(&[0u8; 31]), None);
    }
}
