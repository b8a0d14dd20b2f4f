//! Secret buffers that never leave an unwiped copy behind when they change size.
//!
//! A `Vec` that grows or shrinks goes through `realloc`, which may move the bytes and free the
//! old block without wiping it. So a secret buffer is only ever resized by hand: a new
//! allocation of the right size, a copy, and the old `SecretBytes` dropped, which wipes it.

use crate::backend::SecretBytes;

/// `bytes` in an allocation of exactly its length.
///
/// `SecretString::from` and `SecretSlice::from` call `into_boxed_str` / `into_boxed_slice`,
/// which shrink a buffer with spare capacity by `realloc`; the memory and local key rings
/// return such buffers (AES-GCM's decrypt leaves room for the tag). Every conversion into a
/// secret type goes through here first, so that the boxing is free.
pub(crate) fn into_exact(bytes: SecretBytes) -> SecretBytes {
    if bytes.len() == bytes.capacity() {
        return bytes;
    }
    // A boxed slice has no capacity of its own: its allocation is exactly its length, and
    // turning it into a `Vec` keeps that allocation.
    let exact: Box<[u8]> = Box::from(bytes.as_slice());
    SecretBytes::new(exact.into_vec())
    // `bytes` drops here: wiped, spare capacity included.
}

/// Appends `chunk` to `bytes` without letting the `Vec` reallocate: when it is full, the
/// bytes move to a new buffer (twice as large, at most `limit` unless the bytes need more)
/// and the old one is wiped.
///
/// For readers that do not know the final size up front: a file that grew after its size
/// was read, an object whose metadata understated it.
pub(crate) fn extend_wiped(bytes: &mut SecretBytes, chunk: &[u8], limit: usize) {
    let total = bytes.len() + chunk.len();
    if bytes.capacity() < total {
        let capacity = bytes.capacity().saturating_mul(2).min(limit).max(total);
        let mut larger = SecretBytes::new(Vec::with_capacity(capacity));
        larger.extend_from_slice(bytes);
        // The old buffer drops here, wiped.
        *bytes = larger;
    }
    bytes.extend_from_slice(chunk);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spare(text: &[u8], capacity: usize) -> SecretBytes {
        let mut bytes = SecretBytes::new(Vec::with_capacity(capacity));
        bytes.extend_from_slice(text);
        bytes
    }

    #[test]
    fn a_buffer_with_spare_capacity_moves_to_an_exact_one() {
        let bytes = spare(b"s3cr3t", 22);
        let old = bytes.as_ptr();
        let exact = into_exact(bytes);
        assert_eq!(exact.as_slice(), b"s3cr3t");
        assert_eq!(exact.capacity(), exact.len());
        // Allocated while the old buffer still lived: a different block, never the old one
        // shrunk in place.
        assert_ne!(exact.as_ptr(), old);
    }

    #[test]
    fn an_exact_buffer_is_not_copied() {
        let bytes = SecretBytes::new(b"s3cr3t".to_vec());
        assert_eq!(bytes.capacity(), bytes.len());
        let old = bytes.as_ptr();
        let exact = into_exact(bytes);
        assert_eq!(exact.as_ptr(), old);
        assert!(into_exact(SecretBytes::default()).is_empty());
    }

    #[test]
    fn growth_moves_to_a_new_buffer_sized_by_hand() {
        let mut bytes = spare(b"abc", 4);
        let first = bytes.as_ptr();
        extend_wiped(&mut bytes, b"d", 100);
        // Room enough: appended in place.
        assert_eq!((bytes.as_ptr(), bytes.capacity()), (first, 4));
        extend_wiped(&mut bytes, b"e", 100);
        // Full: a new buffer of twice the size, not whatever `Vec`'s own growth would pick.
        assert_eq!(bytes.as_slice(), b"abcde");
        assert_eq!(bytes.capacity(), 8);
        assert_ne!(bytes.as_ptr(), first);
        // Never past the limit, unless the bytes themselves need more.
        extend_wiped(&mut bytes, b"fghi", 10);
        assert_eq!(bytes.capacity(), 10);
        extend_wiped(&mut bytes, b"jklmn", 10);
        assert_eq!(bytes.as_slice(), b"abcdefghijklmn");
        assert_eq!(bytes.capacity(), 14);
    }
}
