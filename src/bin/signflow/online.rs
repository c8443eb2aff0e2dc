//! `--online [--cache DIR]` of `verify cms` and `verify-chain`: fetch what the verification
//! lacks (issuers, CRLs, OCSP responses; `signflow::pki::online`) before verifying. Needs the
//! `network` feature; without it `--online` is a usage error (64), as `--tsa` is.

use std::path::PathBuf;

use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, TrustContext};

use crate::exit::Failure;
#[cfg(not(feature = "network"))]
use crate::exit::Status as Exit;
use crate::out::Out;

/// `--online --cache`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OnlineArgs {
    /// Fetch missing issuers (authorityInfoAccess caIssuers), CRLs (cRLDistributionPoints)
    /// and OCSP responses (authorityInfoAccess ocsp) over HTTP(S) before verifying; what is
    /// fetched is untrusted material, checked like any other. Needs the `network` feature.
    #[arg(long)]
    pub online: bool,
    /// Keep fetched answers in DIR: certificates for good, CRLs and OCSP responses until
    /// their nextUpdate.
    #[arg(long, value_name = "DIR", requires = "online")]
    pub cache: Option<PathBuf>,
}

impl OnlineArgs {
    /// `context` with what `--online` fetched for the certificates at hand (and the context's
    /// untrusted ones), and the record of the fetches (`None` without `--online`).
    #[cfg(feature = "network")]
    pub fn extend(
        &self,
        provider: &'static CryptoProvider,
        context: TrustContext,
        at_hand: Vec<Certificate>,
    ) -> Result<(TrustContext, Option<serde_json::Value>), Failure> {
        use signflow::pki::online::{Fetcher, OnlineOptions};
        if !self.online {
            return Ok((context, None));
        }
        let options = OnlineOptions {
            cache_dir: self.cache.clone(),
            ..OnlineOptions::default()
        };
        let fetcher = Fetcher::new(options)
            .map_err(|e| Failure::new(crate::exit::Status::Usage, format!("--online: {e}")))?;
        let mut at_hand = at_hand;
        at_hand.extend(context.intermediates().iter().cloned());
        let found = fetcher.gather(
            provider,
            &at_hand,
            context.anchors(),
            signflow::pki::UnixTime::now(),
        );
        let record = serde_json::to_value(&found.fetches)
            .map_err(|e| Failure::new(crate::exit::Status::Io, e.to_string()))?;
        let context = context.with_material(found.certificates, found.crls, found.ocsp);
        Ok((context, Some(record)))
    }

    /// Without the `network` feature: `--online` is a usage error (64).
    #[cfg(not(feature = "network"))]
    pub fn extend(
        &self,
        _provider: &'static CryptoProvider,
        context: TrustContext,
        _at_hand: Vec<Certificate>,
    ) -> Result<(TrustContext, Option<serde_json::Value>), Failure> {
        if self.online {
            return Err(Failure::new(
                Exit::Usage,
                "--online: this signflow was built without the network feature",
            ));
        }
        Ok((context, None))
    }
}

/// The fetches in text, one line each, after a report.
pub fn print(out: &mut Out, record: Option<&serde_json::Value>) -> Result<(), Failure> {
    let Some(list) = record.and_then(serde_json::Value::as_array) else {
        return Ok(());
    };
    for fetch in list {
        let text = |k: &str| fetch[k].as_str().unwrap_or("").to_owned();
        let outcome = match fetch["source"].as_str() {
            Some(source) => format!("from the {source}"),
            None => format!("failed: {}", text("error")),
        };
        out.line(format_args!(
            "online: {} {} {outcome}",
            text("kind"),
            text("url")
        ))?;
    }
    Ok(())
}
