//! Key unwrapping and key-transport decryption: RFC 3394 AES key unwrap, the CMS triple-DES
//! key unwrap (RFC 3217), RSAES-PKCS1-v1_5 and RSAES-OAEP decryption, and ML-KEM
//! decapsulation (feature `extra-algorithms`).
//!
//! The primitives of XML Encryption's `EncryptedKey` (`xmldsig/enckey.rs` reads the XML and
//! picks the key). Each returns `None` when the input does not unwrap or decrypt: a wrong key,
//! a bad checksum or padding, or input of the wrong length; none panics on any input.

use zeroize::Zeroizing;

use super::HashAlgorithm;

/// RFC 3394 AES key unwrap with a 128-, 192- or 256-bit key-encryption key (by its length).
pub(crate) fn aes_unwrap(kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    match kek.len() {
        16 => aes_unwrap_with::<aes_kw::aes::Aes128>(kek, wrapped),
        24 => aes_unwrap_with::<aes_kw::aes::Aes192>(kek, wrapped),
        32 => aes_unwrap_with::<aes_kw::aes::Aes256>(kek, wrapped),
        _ => None,
    }
}

fn aes_unwrap_with<C>(kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    aes_kw::AesKw<C>: aes_kw::KeyInit,
    C: aes_kw::cipher::BlockCipherDecrypt<BlockSize = aes_kw::cipher::consts::U16>,
{
    use aes_kw::KeyInit;
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return None;
    }
    let kw = aes_kw::AesKw::<C>::new_from_slice(kek).ok()?;
    let mut buf = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    let n = kw.unwrap_key(wrapped, &mut buf).ok()?.len();
    buf.truncate(n);
    Some(buf)
}

/// The CMS triple-DES key wrap's IV (RFC 3217 §3.1, XML Encryption §5.6.2).
const TDES_KW_IV: [u8; 8] = [0x4a, 0xdd, 0xa2, 0x2c, 0x79, 0xe8, 0x21, 0x05];

/// CMS triple-DES key unwrap (RFC 3217 §3.2) with a 24-byte key-encryption key: CBC-decrypt
/// with the fixed IV, reverse, split off the IV, CBC-decrypt again, check the CMS key checksum
/// (SHA-1, first 8 bytes).
pub(crate) fn tdes_unwrap(kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use sha1::Digest;
    // IV, at least one block of key, checksum.
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return None;
    }
    let mut temp = tdes_cbc_decrypt(kek, &TDES_KW_IV, wrapped)?;
    temp.reverse();
    let (iv, temp1) = temp.split_at(8);
    let wkcks = tdes_cbc_decrypt(kek, iv, temp1)?;
    let (cek, icv) = wkcks.split_at(wkcks.len() - 8);
    let check = sha1::Sha1::digest(cek);
    if !super::mac::constant_time_eq(&check[..8], icv) {
        return None;
    }
    Some(Zeroizing::new(cek.to_vec()))
}

fn tdes_cbc_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::NoPadding};
    let dec = cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv).ok()?;
    let mut buf = Zeroizing::new(data.to_vec());
    let n = dec.decrypt_padded::<NoPadding>(&mut buf).ok()?.len();
    buf.truncate(n);
    Some(buf)
}

/// RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2).
pub(crate) fn rsa_pkcs1v15_decrypt(
    key: &rsa::RsaPrivateKey,
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    key.decrypt(rsa::Pkcs1v15Encrypt, ciphertext)
        .ok()
        .map(Zeroizing::new)
}

/// RSAES-OAEP decryption (RFC 8017 §7.1.2) with `digest` as the label hash, MGF1 over `mgf`,
/// and `label`. `None` as well when either hash is not SHA-1 or SHA-2 (224 … 512).
pub(crate) fn rsa_oaep_decrypt(
    key: &rsa::RsaPrivateKey,
    digest: HashAlgorithm,
    mgf: HashAlgorithm,
    label: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    fn run<D, M>(key: &rsa::RsaPrivateKey, label: &[u8], ct: &[u8]) -> Option<Vec<u8>>
    where
        D: sha2::digest::Digest + sha2::digest::FixedOutputReset + Send + Sync + 'static,
        M: sha2::digest::Digest + sha2::digest::FixedOutputReset + Send + Sync + 'static,
    {
        let padding = rsa::Oaep::<D, M>::new_with_mgf_hash_and_label(label.to_vec());
        key.decrypt(padding, ct).ok()
    }
    fn with_mgf<D>(
        mgf: HashAlgorithm,
        key: &rsa::RsaPrivateKey,
        label: &[u8],
        ct: &[u8],
    ) -> Option<Vec<u8>>
    where
        D: sha2::digest::Digest + sha2::digest::FixedOutputReset + Send + Sync + 'static,
    {
        match mgf {
            HashAlgorithm::Sha1 => run::<D, sha1::Sha1>(key, label, ct),
            HashAlgorithm::Sha224 => run::<D, sha2::Sha224>(key, label, ct),
            HashAlgorithm::Sha256 => run::<D, sha2::Sha256>(key, label, ct),
            HashAlgorithm::Sha384 => run::<D, sha2::Sha384>(key, label, ct),
            HashAlgorithm::Sha512 => run::<D, sha2::Sha512>(key, label, ct),
            _ => None,
        }
    }
    let out = match digest {
        HashAlgorithm::Sha1 => with_mgf::<sha1::Sha1>(mgf, key, label, ciphertext),
        HashAlgorithm::Sha224 => with_mgf::<sha2::Sha224>(mgf, key, label, ciphertext),
        HashAlgorithm::Sha256 => with_mgf::<sha2::Sha256>(mgf, key, label, ciphertext),
        HashAlgorithm::Sha384 => with_mgf::<sha2::Sha384>(mgf, key, label, ciphertext),
        HashAlgorithm::Sha512 => with_mgf::<sha2::Sha512>(mgf, key, label, ciphertext),
        _ => None,
    };
    out.map(Zeroizing::new)
}

/// ML-KEM decapsulation (FIPS 203): the 32-byte shared secret. A wrong key gives a wrong
/// secret (implicit rejection), not `None`; `None` only for a ciphertext of the wrong size.
#[cfg(feature = "extra-algorithms")]
pub(crate) fn kem_decapsulate<K>(key: &K, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    K: ml_kem::Decapsulate,
{
    key.decapsulate_slice(ciphertext)
        .ok()
        .map(|ss| Zeroizing::new(ss.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3394_vector() {
        // RFC 3394 §4.1: 128-bit key data with a 128-bit KEK.
        let kek = hex::decode("000102030405060708090A0B0C0D0E0F").unwrap();
        let wrapped = hex::decode("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5").unwrap();
        let key = aes_unwrap(&kek, &wrapped).unwrap();
        assert_eq!(hex::encode_upper(&*key), "00112233445566778899AABBCCDDEEFF");
        let mut bad = wrapped.clone();
        bad[5] ^= 1;
        assert!(aes_unwrap(&kek, &bad).is_none());
        assert!(aes_unwrap(&kek, &wrapped[..7]).is_none());
        assert!(aes_unwrap(&kek[..15], &wrapped).is_none());
    }

    #[test]
    fn short_or_odd_inputs_do_not_panic() {
        let kek = [7u8; 24];
        for n in 0..40 {
            let data = vec![0x5a; n];
            let _ = tdes_unwrap(&kek, &data);
            let _ = aes_unwrap(&kek, &data);
        }
    }
}
