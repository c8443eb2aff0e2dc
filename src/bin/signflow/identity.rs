//! The signer's key, certificate and chain, from `--p12` (with a password) or `--key` +
//! `--cert`: shared by every command that signs.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use signflow::SigningIdentity;
use signflow::crypto::{
    CryptoProvider, EcdsaEncoding, HashAlgorithm, KeyKind, PssParams, SignatureAlgorithm,
    SigningKey,
};
use signflow::limits::InputKind;
use signflow::pem::ObjectKind;
use signflow::pki::Certificate;

use crate::exit::{Failure, Status};
use crate::input;
use crate::secrets::PasswordArgs;

/// `--p12 FILE [--password-env V | --password-file F] | --key FILE --cert FILE`, `--chain`.
#[derive(Args, Debug, Clone)]
pub struct SignerArgs {
    /// PKCS#12 file with the signer's key, certificate and chain (password through
    /// --password-env or --password-file).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "cert"])]
    pub p12: Option<PathBuf>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The signer's private key: unencrypted PKCS#8, PEM or DER.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// The signer's certificate, PEM or DER (further certificates in the file join the chain).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Certificates above the signer's to embed, PEM or DER (repeatable).
    #[arg(long, value_name = "FILE")]
    pub chain: Vec<PathBuf>,
}

impl SignerArgs {
    /// Opens the key and certificates (exit 4 for a wrong password or unusable key, 2 for a
    /// malformed file, 64 when no signer was given, 4 when the key is not the certificate's).
    pub fn load(&self, provider: &'static CryptoProvider) -> Result<SigningIdentity, Failure> {
        if let Some(p12) = &self.p12 {
            use signflow::pki::pkcs12::Pkcs12;
            let password = self.password.read()?.ok_or_else(|| {
                Failure::new(
                    Status::Usage,
                    "--p12 needs the password through --password-env VAR or --password-file FILE",
                )
            })?;
            let der = input::read_as(p12, InputKind::Pkcs12)?;
            let id = Pkcs12::from_der(&der, &password)
                .and_then(|p| p.identity(provider))
                .map_err(|e| crate::p12::failure(p12, &der, e))?;
            let mut chain = id.chain;
            for extra in &self.chain {
                chain.extend(input::certificates(extra)?);
            }
            return identity(provider, id.key, id.certificate, chain);
        }
        let (Some(key_path), Some(cert_path)) = (&self.key, &self.cert) else {
            return Err(Failure::new(
                Status::Usage,
                "give the signer as --p12 FILE (with --password-env/--password-file) or as \
                 --key FILE --cert FILE",
            ));
        };
        let key = load_key(provider, key_path)?;
        let mut certs = input::certificates(cert_path)?;
        let certificate = certs.remove(0);
        let mut chain = certs;
        for extra in &self.chain {
            chain.extend(input::certificates(extra)?);
        }
        identity(provider, key, certificate, chain)
    }
}

fn identity(
    provider: &'static CryptoProvider,
    key: Box<dyn SigningKey>,
    certificate: Certificate,
    chain: Vec<Certificate>,
) -> Result<SigningIdentity, Failure> {
    Ok(SigningIdentity::new(key, certificate, chain)
        .map_err(|e| Failure::new(Status::KeyError, e.to_string()))?
        .with_provider(provider))
}

/// The private key at `key_path`: unencrypted PKCS#8, PEM or DER (exit 4 when unusable).
pub fn load_key(
    provider: &CryptoProvider,
    key_path: &std::path::Path,
) -> Result<Box<dyn SigningKey>, Failure> {
    let key_bytes = input::read_secret(key_path, InputKind::PrivateKey)?;
    let unusable = |e: &dyn std::fmt::Display| {
        let holds = input::structure_of(&key_bytes)
            .filter(|k| *k != ObjectKind::PrivateKey)
            .map_or(String::new(), |k| {
                format!(" (its structure is that of {k})")
            });
        Failure::new(
            Status::KeyError,
            format!(
                "{}: not a usable PKCS#8 private key{holds}: {e}",
                key_path.display()
            ),
        )
    };
    if key_bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        match std::str::from_utf8(&key_bytes) {
            Ok(text) => provider.load_private_key_pem(text),
            Err(_) => return Err(unusable(&"PEM text that is not UTF-8")),
        }
    } else {
        provider.load_private_key_der(&key_bytes)
    }
    .map_err(|e| unusable(&e))
}

/// `--hash` of the signing commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HashArg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashArg {
    pub fn hash(self) -> HashAlgorithm {
        match self {
            Self::Sha256 => HashAlgorithm::Sha256,
            Self::Sha384 => HashAlgorithm::Sha384,
            Self::Sha512 => HashAlgorithm::Sha512,
        }
    }
}

/// The signature algorithm from the key and `--pss`/`--hash` (64 when they do not fit the
/// key): ECDSA values written as `encoding`; `others` says what other keys hash with.
pub fn signature_algorithm(
    key: &dyn SigningKey,
    pss: bool,
    hash: Option<HashArg>,
    encoding: EcdsaEncoding,
    others: &str,
) -> Result<SignatureAlgorithm, Failure> {
    let hash = hash.map(HashArg::hash);
    let usage = |m: String| Failure::new(Status::Usage, m);
    match key.kind() {
        KeyKind::Rsa { .. } => {
            let h = hash.unwrap_or(HashAlgorithm::Sha256);
            Ok(if pss {
                SignatureAlgorithm::RsaPss(PssParams::for_hash(h))
            } else {
                SignatureAlgorithm::RsaPkcs1(h)
            })
        }
        _ if pss => Err(usage("--pss needs an RSA key".into())),
        KeyKind::EcP256 | KeyKind::EcP384 => Ok(match hash {
            Some(hash) => SignatureAlgorithm::Ecdsa { hash, encoding },
            None => key.default_algorithm(),
        }),
        _ if hash.is_some() => Err(usage(format!(
            "--hash applies to RSA and ECDSA keys ({others})"
        ))),
        _ => Ok(key.default_algorithm()),
    }
}
