//! Hash-keyed maps for the per-thread memos that remember answers worked out
//! from report text (frame-list classes, normalized symbols, image
//! identities, GPU-driver checks), for `group`'s sets of content hashes,
//! and ([`TextHasher`]) for maps keyed by text that is not from a report.
//! In the memos and hash sets the key is already a hash (64 bits, or a
//! 128-bit content hash folded), so the map uses it as is ([`KeyIsHash`]);
//! every memo confirms a hit against the remembered text, so a colliding
//! key never gives a wrong answer.

/// A hasher for keys that are already hashes: the key is its own hash.
#[derive(Default)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
    /// A 128-bit content hash: its two halves folded.
    fn write_u128(&mut self, n: u128) {
        self.0 ^= n as u64 ^ (n >> 64) as u64;
    }
}

/// Hash maps keyed by a hash.
pub type KeyIsHash = std::hash::BuildHasherDefault<KeyHasher>;

/// A hasher for text keys: one xxh3 call per key, no seed. Only for text
/// that is not from a report (a file path of the user's own, say): text an
/// adversary chose could be made to collide.
#[derive(Default)]
pub struct TextHasher(u64);

impl std::hash::Hasher for TextHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }
}

/// Hash maps keyed by text [`TextHasher`] hashes.
pub type TextIsHashed = std::hash::BuildHasherDefault<TextHasher>;

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, Hasher};

    #[test]
    fn a_u64_key_is_its_own_hash() {
        assert_eq!(
            super::KeyIsHash::default().hash_one(0xdead_beef_u64),
            0xdead_beef
        );
        assert_eq!(
            super::KeyIsHash::default().hash_one(0x1_0000_0000_0000_0002_u128),
            3
        );
        let mut h = super::KeyHasher::default();
        h.write(b"ab");
        assert_ne!(h.finish(), 0);
    }
}
