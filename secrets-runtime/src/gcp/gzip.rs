//! Inflating an object stored with `Content-Encoding: gzip`, after its CRC32C (which covers
//! the stored, compressed bytes) has been checked, with a cap on what it inflates to.
//!
//! `miniz_oxide`'s core inflater writes straight into one output buffer that holds the whole
//! result (its non-wrapping mode), so no dictionary window keeps a copy of the plaintext, and
//! every buffer that did hold some is a [`SecretBytes`], wiped when dropped.

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use crate::backend::SecretBytes;
use crate::convert::buffer::into_exact;

/// Why an object could not be inflated; the caller names the object.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Gunzip {
    /// It inflates to more than the cap.
    TooLarge,
    /// It is not one well-formed gzip member; the reason says where, never what.
    Invalid(&'static str),
}

const MAGIC: [u8; 2] = [0x1f, 0x8b];
const DEFLATE: u8 = 8;
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const RESERVED: u8 = 0xe0;
/// The buffer a stream that claims to be empty starts with, before it proves otherwise.
const MIN_BUFFER: usize = 4096;

/// The bytes `gzip` holds (RFC 1952, one member), at most `max_bytes` of them.
pub(super) fn gunzip(gzip: &[u8], max_bytes: usize) -> Result<SecretBytes, Gunzip> {
    let body = skip_header(gzip)?;
    let (deflate, trailer) = body
        .len()
        .checked_sub(8)
        .map(|at| body.split_at(at))
        .ok_or(Gunzip::Invalid("the gzip stream is truncated"))?;
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    // The trailer's size (modulo 4 GiB) is a hint for the first buffer, not trusted: the
    // inflater stops at the cap whatever it says.
    let hint = usize::try_from(size).unwrap_or(usize::MAX).min(max_bytes);
    let (out, used) = inflate(deflate, hint, max_bytes)?;
    if used != deflate.len() {
        return Err(Gunzip::Invalid(
            "data follows the gzip stream (only one member is read)",
        ));
    }
    // ISIZE is the length modulo 2^32.
    let length = u64::try_from(out.len()).unwrap_or(u64::MAX) % (1 << 32);
    if crc32fast::hash(&out) != crc || length != u64::from(size) {
        return Err(Gunzip::Invalid(
            "the inflated bytes do not match the gzip trailer",
        ));
    }
    Ok(out)
}

/// The deflate stream and trailer after a gzip header.
fn skip_header(gzip: &[u8]) -> Result<&[u8], Gunzip> {
    const BAD: Gunzip = Gunzip::Invalid("the gzip header is malformed");
    if !gzip.starts_with(&MAGIC) {
        return Err(Gunzip::Invalid(
            "the object does not start with a gzip header",
        ));
    }
    let (fixed, mut rest) = gzip
        .split_at_checked(10)
        .ok_or(Gunzip::Invalid("the gzip stream is truncated"))?;
    let flags = fixed[3];
    if fixed[2] != DEFLATE || flags & RESERVED != 0 {
        return Err(BAD);
    }
    if flags & FEXTRA != 0 {
        let (len, after) = rest.split_at_checked(2).ok_or(BAD)?;
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        rest = after.get(len..).ok_or(BAD)?;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end = rest.iter().position(|&b| b == 0).ok_or(BAD)?;
            rest = &rest[end + 1..];
        }
    }
    if flags & FHCRC != 0 {
        rest = rest.get(2..).ok_or(BAD)?;
    }
    Ok(rest)
}

/// Inflates raw deflate data into a buffer that starts at `hint` bytes and grows, by hand, up
/// to `max_bytes`; returns exactly the bytes written (capacity = length, so converting them to
/// a secret type does not reallocate) and how much input was used.
fn inflate(deflate: &[u8], hint: usize, max_bytes: usize) -> Result<(SecretBytes, usize), Gunzip> {
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    // Boxed: the state is about 10 KiB of tables.
    let mut state = Box::<DecompressorOxide>::default();
    let mut out = SecretBytes::new(vec![0; hint]);
    let (mut used, mut written) = (0, 0);
    loop {
        let (status, read, wrote) =
            decompress(&mut state, &deflate[used..], &mut out, written, flags);
        used += read;
        written += wrote;
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput => {
                if out.len() >= max_bytes {
                    return Err(Gunzip::TooLarge);
                }
                let larger = out.len().saturating_mul(2).max(MIN_BUFFER).min(max_bytes);
                // Copied into a new buffer so that the old one is wiped when dropped.
                let mut grown = SecretBytes::new(vec![0; larger]);
                grown[..written].copy_from_slice(&out[..written]);
                out = grown;
            }
            TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                return Err(Gunzip::Invalid("the gzip stream is truncated"));
            }
            _ => return Err(Gunzip::Invalid("the deflate data is corrupt")),
        }
    }
    // The spare room is wiped with the buffer when `into_exact` moves the bytes out.
    out.truncate(written);
    Ok((into_exact(out), used))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `printf '{"k":"v"}' | gzip -9n`, made once with the gzip tool.
    const SMALL: &[u8] = &[
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0xca, 0x56, 0xb2,
        0x52, 0x2a, 0x53, 0xaa, 0x05, 0x00, 0x7e, 0x08, 0xa9, 0xd4, 0x09, 0x00, 0x00, 0x00,
    ];

    /// A stored (uncompressed) deflate block holding `data`, wrapped as gzip with `flags`
    /// and their fields: gzip built by hand, so that header fields and bombs need no encoder.
    fn stored(data: &[u8], header_extra: &[u8], flags: u8) -> Vec<u8> {
        let mut gz = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3];
        gz.extend_from_slice(header_extra);
        for (i, chunk) in data.chunks(0xffff).enumerate() {
            let last = u8::from((i + 1) * 0xffff >= data.len());
            let len = u16::try_from(chunk.len()).unwrap();
            gz.push(last);
            gz.extend_from_slice(&len.to_le_bytes());
            gz.extend_from_slice(&(!len).to_le_bytes());
            gz.extend_from_slice(chunk);
        }
        if data.is_empty() {
            gz.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
        }
        gz.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
        gz.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        gz
    }

    #[test]
    fn inflates_what_gzip_made_into_an_exact_buffer() {
        let out = gunzip(SMALL, 1024).unwrap();
        assert_eq!(out.as_slice(), br#"{"k":"v"}"#);
        assert_eq!(out.capacity(), out.len());
    }

    #[test]
    fn header_fields_are_skipped() {
        let mut extra = vec![3, 0, b'a', b'b', b'c'];
        extra.extend_from_slice(b"name.json\0a comment\0");
        extra.extend_from_slice(&[0xaa, 0xbb]);
        let gz = stored(b"hello", &extra, FEXTRA | FNAME | FCOMMENT | FHCRC);
        assert_eq!(gunzip(&gz, 5).unwrap().as_slice(), b"hello");
        assert_eq!(gunzip(&stored(b"", &[], 0), 0).unwrap().as_slice(), b"");
    }

    #[test]
    fn the_cap_stops_inflating_whatever_the_trailer_claims() {
        let data = vec![b'x'; 200_000];
        let gz = stored(&data, &[], 0);
        assert_eq!(gunzip(&gz, 200_000).unwrap().len(), 200_000);
        assert_eq!(gunzip(&gz, 199_999), Err(Gunzip::TooLarge));
        // A trailer that understates the size grows the buffer, up to the cap only.
        let mut lying = gz.clone();
        let at = lying.len() - 4;
        lying[at..].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(gunzip(&lying, 10_000), Err(Gunzip::TooLarge));
    }

    #[test]
    fn damage_anywhere_is_invalid() {
        let invalid = |gz: &[u8]| match gunzip(gz, 1024) {
            Err(Gunzip::Invalid(why)) => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            invalid(br#"{"k":"v"}"#),
            "the object does not start with a gzip header"
        );
        assert_eq!(
            invalid(&SMALL[..SMALL.len() - 9]),
            "the gzip stream is truncated"
        );
        assert_eq!(invalid(&SMALL[..5]), "the gzip stream is truncated");
        let mut reserved = SMALL.to_vec();
        reserved[3] = 0x20;
        assert_eq!(invalid(&reserved), "the gzip header is malformed");
        let mut crc = SMALL.to_vec();
        let at = crc.len() - 8;
        crc[at] ^= 1;
        assert_eq!(
            invalid(&crc),
            "the inflated bytes do not match the gzip trailer"
        );
        let mut twice = SMALL.to_vec();
        twice.extend_from_slice(SMALL);
        assert_eq!(
            invalid(&twice),
            "data follows the gzip stream (only one member is read)"
        );
        let mut corrupt = SMALL.to_vec();
        corrupt[10] = 0xff; // block type 3 does not exist
        assert_eq!(invalid(&corrupt), "the deflate data is corrupt");
    }
}
