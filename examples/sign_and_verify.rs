//! Sign a document with a PKCS#8 key and verify it with the public key of the signer's
//! certificate, on the default crypto backend.
//!
//! ```text
//! cargo run --example sign_and_verify -- testdata/pki/leaf-ecdsa-p256.key.pem README.md
//! ```

use signflow::crypto::CryptoProvider;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(key_path), Some(doc_path)) = (args.next(), args.next()) else {
        eprintln!("usage: sign_and_verify KEY.pem DOCUMENT");
        std::process::exit(64);
    };
    // The installed provider, else the compiled-in backend.
    let provider = CryptoProvider::current();
    let key = provider.load_private_key_pem(&std::fs::read_to_string(&key_path)?)?;
    let document = std::fs::read(&doc_path)?;

    let alg = key.default_algorithm();
    let signature = key.sign(&alg, &document)?;
    println!(
        "{alg} signature of {doc_path}: {} bytes ({})",
        signature.len(),
        provider.name
    );

    provider.verify(&alg, key.public_key_der(), &document, &signature)?;
    println!("verified with the public key");
    Ok(())
}
