//! `signflow verify-chain`: path validation of one certificate at a time.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;
use signflow::crypto::CryptoProvider;
use signflow::pki::{ANY_POLICY, KeyUsage, ValidationOptions};

use crate::exit::{Failure, Status as Exit};
use crate::input;
use crate::policy::VerifyPolicyArgs;

#[derive(Args, Debug)]
pub struct VerifyChainArgs {
    /// The certificate to validate (PEM or DER; the first certificate of a PEM file).
    cert: PathBuf,
    #[command(flatten)]
    policy: VerifyPolicyArgs,
    /// Acceptable certificate policy OID (repeatable; default anyPolicy).
    #[arg(long = "policy", value_name = "OID")]
    policies: Vec<String>,
    /// initial-explicit-policy: the path must carry an acceptable policy.
    #[arg(long)]
    require_explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    #[arg(long)]
    inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit.
    #[arg(long)]
    inhibit_any_policy: bool,
    /// Extended key usage OID the end certificate must carry (repeatable).
    #[arg(long, value_name = "OID")]
    eku: Vec<String>,
    /// Key usage the end certificate must allow, RFC 5280 name such as digitalSignature or
    /// nonRepudiation (repeatable: all must be allowed). Default: digitalSignature or
    /// nonRepudiation, as for a signer; `any` alone: no key-usage requirement.
    #[arg(long = "key-usage", value_name = "NAME")]
    key_usage: Vec<String>,
    /// Maximum number of certificates below the trust anchor.
    #[arg(long, value_name = "N")]
    max_depth: Option<usize>,
    #[command(flatten)]
    online: crate::online::OnlineArgs,
}

pub fn options(args: &VerifyChainArgs) -> Result<ValidationOptions, Failure> {
    let mut opts = args.policy.validation()?;
    if !args.policies.is_empty() {
        for p in &args.policies {
            if const_oid::ObjectIdentifier::new(p).is_err() {
                return Err(Failure::new(
                    Exit::Usage,
                    format!("--policy {p}: not a dotted OID"),
                ));
            }
        }
        opts.initial_policy_set = args.policies.iter().cloned().collect::<BTreeSet<_>>();
    } else {
        opts.initial_policy_set = BTreeSet::from([ANY_POLICY.to_owned()]);
    }
    opts.require_explicit_policy = args.require_explicit_policy;
    opts.inhibit_policy_mapping = args.inhibit_policy_mapping;
    opts.inhibit_any_policy = args.inhibit_any_policy;
    for e in &args.eku {
        if const_oid::ObjectIdentifier::new(e).is_err() {
            return Err(Failure::new(
                Exit::Usage,
                format!("--eku {e}: not a dotted OID"),
            ));
        }
    }
    opts.required_eku = args.eku.clone();
    if args.key_usage.len() == 1 && args.key_usage[0] == "any" {
        opts.end_entity_key_usage.clear();
    } else if !args.key_usage.is_empty() {
        let mut mask = 0u16;
        for name in &args.key_usage {
            mask |= KeyUsage::bit_from_name(name).ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    format!(
                        "--key-usage {name}: expected one of {} (or any, alone)",
                        KeyUsage::NAMES.join(", ")
                    ),
                )
            })?;
        }
        opts.end_entity_key_usage = vec![mask];
    }
    if let Some(d) = args.max_depth {
        opts.max_depth = d;
    }
    Ok(opts)
}

pub fn run(
    provider: &'static CryptoProvider,
    args: &VerifyChainArgs,
    json: bool,
) -> Result<Exit, Failure> {
    args.policy.require_trust()?;
    let opts = options(args)?;
    let cert = input::certificates(&args.cert)?.remove(0);
    let context = args.policy.context(provider)?;
    let (context, fetched) = args.online.extend(provider, context, vec![cert.clone()])?;
    let report = context.validator().validate(&cert, &opts);
    if json {
        let mut value =
            serde_json::to_value(&report).map_err(|e| Failure::new(Exit::Io, e.to_string()))?;
        value["command"] = "verify-chain".into();
        if let Some(fetched) = fetched {
            value["online"] = fetched;
        }
        crate::out::Out::stdout().json(&value)?;
    } else {
        let mut out = crate::out::Out::stdout();
        out.text(&report)?;
        crate::online::print(&mut out, fetched.as_ref())?;
    }
    Ok(report.status.into())
}
