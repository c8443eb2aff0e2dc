//! The standard GOST R 34.10 parameter sets (curves) and the object identifiers naming them.
//!
//! Sources of the numbers, cross-checked against each other, and in this module's tests by
//! checking that every base point is on its curve and has order `q`:
//!
//! - RFC 4357 §11.4: `id-GostR3410-2001-TestParamSet` and CryptoPro A, B, C (and XchA = A,
//!   XchB = C);
//! - RFC 7836 appendix A.1 (and TC 26 recommendations R 1323565.1.024-2019): tc26 256 A and
//!   512 A, B, C; tc26 256 B, C, D are the CryptoPro A, B, C curves under new names. tc26 256 A
//!   and 512 C are twisted Edwards curves, given also in short Weierstrass form, which is what
//!   is used here;
//! - GOST R 34.10-2012 appendix A.2 (RFC 7091 §A.2): the 512-bit test curve;
//! - the OpenSSL GOST engine's `gost_params.c`, which holds the same tables.

use core::fmt;

use const_oid::ObjectIdentifier as Oid;
use crypto_bigint::{U256, U512};

use std::sync::OnceLock;

use super::GostError;
use super::arith::CurveDef;
use super::field::{FieldSpec, limbs_from_hex};
use super::point::{Affine, CombTable, CurveSpec, ODD_G, build_odd_multiples};

/// Object identifiers of GOST algorithms, parameter sets and digests.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// `id-tc26-gost3410-12-256`: GOST R 34.10-2012 public key, 256 bits (RFC 9215 §4.1).
    pub const GOST3410_2012_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.1");
    /// `id-tc26-gost3410-12-512`: GOST R 34.10-2012 public key, 512 bits (RFC 9215 §4.1).
    pub const GOST3410_2012_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.2");
    /// `id-GostR3410-2001`: GOST R 34.10-2001 public key (RFC 4491 §2.3.2).
    pub const GOST3410_2001: Oid = Oid::new_unwrap("1.2.643.2.2.19");
    /// `id-tc26-signwithdigest-gost3410-12-256` (RFC 9215 §3).
    pub const SIGN_WITH_DIGEST_2012_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.2");
    /// `id-tc26-signwithdigest-gost3410-12-512` (RFC 9215 §3).
    pub const SIGN_WITH_DIGEST_2012_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.3");
    /// `id-GostR3411-94-with-GostR3410-2001` (RFC 4491 §2.2.2).
    pub const GOST3411_94_WITH_3410_2001: Oid = Oid::new_unwrap("1.2.643.2.2.3");
    /// `id-tc26-gost3411-12-256`: Streebog-256 (RFC 9215 §2).
    pub const STREEBOG_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.2");
    /// `id-tc26-gost3411-12-512`: Streebog-512 (RFC 9215 §2).
    pub const STREEBOG_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.3");
    /// `id-GostR3411-94` (RFC 4490 §2.1).
    pub const GOST3411_94: Oid = Oid::new_unwrap("1.2.643.2.2.9");
    /// `id-GostR3411-94-CryptoProParamSet`, the digest parameters of GOST R 34.10-2001 keys
    /// (RFC 4357 §10.2).
    pub const GOST3411_94_CRYPTOPRO_PARAMSET: Oid = Oid::new_unwrap("1.2.643.2.2.30.1");

    /// `id-GostR3410-2001-TestParamSet` (RFC 4357 §10.8).
    pub const CRYPTOPRO_TEST: Oid = Oid::new_unwrap("1.2.643.2.2.35.0");
    /// `id-GostR3410-2001-CryptoPro-A-ParamSet`.
    pub const CRYPTOPRO_A: Oid = Oid::new_unwrap("1.2.643.2.2.35.1");
    /// `id-GostR3410-2001-CryptoPro-B-ParamSet`.
    pub const CRYPTOPRO_B: Oid = Oid::new_unwrap("1.2.643.2.2.35.2");
    /// `id-GostR3410-2001-CryptoPro-C-ParamSet`.
    pub const CRYPTOPRO_C: Oid = Oid::new_unwrap("1.2.643.2.2.35.3");
    /// `id-GostR3410-2001-CryptoPro-XchA-ParamSet` (the CryptoPro A curve).
    pub const CRYPTOPRO_XCH_A: Oid = Oid::new_unwrap("1.2.643.2.2.36.0");
    /// `id-GostR3410-2001-CryptoPro-XchB-ParamSet` (the CryptoPro C curve).
    pub const CRYPTOPRO_XCH_B: Oid = Oid::new_unwrap("1.2.643.2.2.36.1");
    /// `id-tc26-gost-3410-12-256-paramSetA` (RFC 7836 §A.1).
    pub const TC26_256_A: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.1");
    /// `id-tc26-gost-3410-12-256-paramSetB` (the CryptoPro A curve).
    pub const TC26_256_B: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.2");
    /// `id-tc26-gost-3410-12-256-paramSetC` (the CryptoPro B curve).
    pub const TC26_256_C: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.3");
    /// `id-tc26-gost-3410-12-256-paramSetD` (the CryptoPro C curve).
    pub const TC26_256_D: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.4");
    /// `id-tc26-gost-3410-12-512-paramSetTest`: the 512-bit curve of GOST R 34.10-2012 §A.2.
    pub const TC26_512_TEST: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.2.0");
    /// `id-tc26-gost-3410-12-512-paramSetA` (RFC 7836 §A.1).
    pub const TC26_512_A: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.2.1");
    /// `id-tc26-gost-3410-12-512-paramSetB` (RFC 7836 §A.1).
    pub const TC26_512_B: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.2.2");
    /// `id-tc26-gost-3410-12-512-paramSetC` (RFC 7836 §A.1).
    pub const TC26_512_C: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.2.3");
}

/// A GOST R 34.10 parameter set: one of the standard curves with its base point.
///
/// Several object identifiers can name the same curve (CryptoPro A is also XchA and tc26 256
/// B); [`ParamSet::from_oid`] accepts all of them, [`ParamSet::oid`] returns the one the OpenSSL
/// GOST engine writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamSet {
    /// `id-GostR3410-2001-TestParamSet` (1.2.643.2.2.35.0): the 256-bit test curve of GOST R
    /// 34.10-2001/2012 appendix A.1. For test vectors only.
    Test256,
    /// CryptoPro A (1.2.643.2.2.35.1; also XchA 1.2.643.2.2.36.0 and tc26 256 B
    /// 1.2.643.7.1.2.1.1.2).
    CryptoProA,
    /// CryptoPro B (1.2.643.2.2.35.2; also tc26 256 C 1.2.643.7.1.2.1.1.3).
    CryptoProB,
    /// CryptoPro C (1.2.643.2.2.35.3; also XchB 1.2.643.2.2.36.1 and tc26 256 D
    /// 1.2.643.7.1.2.1.1.4).
    CryptoProC,
    /// tc26 256 A (1.2.643.7.1.2.1.1.1), cofactor 4.
    Tc26_256A,
    /// The 512-bit test curve of GOST R 34.10-2012 appendix A.2 (1.2.643.7.1.2.1.2.0). For test
    /// vectors only.
    Test512,
    /// tc26 512 A (1.2.643.7.1.2.1.2.1).
    Tc26_512A,
    /// tc26 512 B (1.2.643.7.1.2.1.2.2).
    Tc26_512B,
    /// tc26 512 C (1.2.643.7.1.2.1.2.3), cofactor 4.
    Tc26_512C,
}

/// Key length class of a parameter set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySize {
    /// 256-bit keys: 32-byte coordinates, Streebog-256 digests, 64-byte signatures.
    Bits256,
    /// 512-bit keys: 64-byte coordinates, Streebog-512 digests, 128-byte signatures.
    Bits512,
}

impl KeySize {
    /// Bytes per coordinate, per scalar and per half of a signature.
    pub const fn coordinate_len(self) -> usize {
        match self {
            Self::Bits256 => 32,
            Self::Bits512 => 64,
        }
    }
}

/// Limb counts of the two integer sizes.
pub(crate) const L256: usize = U256::LIMBS;
pub(crate) const L512: usize = U512::LIMBS;

/// A curve's scalar side (`q`) of either size, for dispatching to the generic code.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Curve {
    W256(&'static CurveDef<L256>),
    W512(&'static CurveDef<L512>),
}

/// Defines one curve from its hex parameters: the static [`CurveDef`] of its scalars, and a
/// marker type implementing [`FieldSpec`] and [`CurveSpec`] (the specialised point
/// arithmetic), whose tables live in `OnceLock`s built on first use.
macro_rules! curve {
    (
        $marker:ident, $def:ident, $n:literal, $l:ident,
        p: $p:expr, a: $a:expr, b: $b:expr, q: $q:expr, x: $x:expr, y: $y:expr,
        cofactor: $cofactor:expr,
    ) => {
        static $def: CurveDef<$l> = CurveDef::new($p, $q, $cofactor);

        #[doc = concat!("The curve of [`ParamSet::", stringify!($marker), "`] and its field.")]
        #[derive(Clone, Copy, Debug)]
        pub(crate) struct $marker;

        impl FieldSpec<$n> for $marker {
            const P: [u64; $n] = limbs_from_hex($p);
        }

        impl CurveSpec<$n> for $marker {
            const A_INT: [u64; $n] = limbs_from_hex($a);
            const B_INT: [u64; $n] = limbs_from_hex($b);
            const GX_INT: [u64; $n] = limbs_from_hex($x);
            const GY_INT: [u64; $n] = limbs_from_hex($y);
            const Q: [u64; $n] = limbs_from_hex($q);
            const COFACTOR: u32 = $cofactor;
            #[cfg(test)]
            const HEX: [&'static str; 6] = [$p, $a, $b, $q, $x, $y];

            fn comb() -> &'static CombTable<$n, Self> {
                static TABLE: OnceLock<CombTable<$n, $marker>> = OnceLock::new();
                TABLE.get_or_init(CombTable::build)
            }

            fn odd_multiples() -> &'static [Affine<$n, Self>; ODD_G] {
                static TABLE: OnceLock<[Affine<$n, $marker>; ODD_G]> = OnceLock::new();
                TABLE.get_or_init(build_odd_multiples)
            }
        }
    };
}

/// Calls the generic function `$f::<N, Curve>` for the parameter set's curve.
macro_rules! dispatch {
    ($params:expr, $f:ident($($arg:expr),* $(,)?)) => {{
        use $crate::crypto::gost::params as ps;
        match $params {
            ps::ParamSet::Test256 => $f::<4, ps::Test256>($($arg),*),
            ps::ParamSet::CryptoProA => $f::<4, ps::CryptoProA>($($arg),*),
            ps::ParamSet::CryptoProB => $f::<4, ps::CryptoProB>($($arg),*),
            ps::ParamSet::CryptoProC => $f::<4, ps::CryptoProC>($($arg),*),
            ps::ParamSet::Tc26_256A => $f::<4, ps::Tc26_256A>($($arg),*),
            ps::ParamSet::Test512 => $f::<8, ps::Test512>($($arg),*),
            ps::ParamSet::Tc26_512A => $f::<8, ps::Tc26_512A>($($arg),*),
            ps::ParamSet::Tc26_512B => $f::<8, ps::Tc26_512B>($($arg),*),
            ps::ParamSet::Tc26_512C => $f::<8, ps::Tc26_512C>($($arg),*),
        }
    }};
}
pub(crate) use dispatch;

// RFC 4357 §11.4 / GOST R 34.10-2012 §A.1.
curve! {
    Test256, TEST_256, 4, L256,
    p: "8000000000000000000000000000000000000000000000000000000000000431",
    a: "7",
    b: "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
    q: "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
    x: "2",
    y: "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8",
    cofactor: 1,
}

curve! {
    CryptoProA, CRYPTOPRO_A, 4, L256,
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
    b: "A6",
    q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
    x: "1",
    y: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
    cofactor: 1,
}

curve! {
    CryptoProB, CRYPTOPRO_B, 4, L256,
    p: "8000000000000000000000000000000000000000000000000000000000000C99",
    a: "8000000000000000000000000000000000000000000000000000000000000C96",
    b: "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
    q: "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
    x: "1",
    y: "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC",
    cofactor: 1,
}

curve! {
    CryptoProC, CRYPTOPRO_C, 4, L256,
    p: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
    a: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
    b: "805A",
    q: "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
    x: "0",
    y: "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67",
    cofactor: 1,
}

// RFC 7836 §A.1 (Weierstrass form of the twisted Edwards curve).
curve! {
    Tc26_256A, TC26_256_A, 4, L256,
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
    a: "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
    b: "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
    q: "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
    x: "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
    y: "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
    cofactor: 4,
}

// GOST R 34.10-2012 §A.2 (RFC 7091 §A.2).
curve! {
    Test512, TEST_512, 8, L512,
    p: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D\
     F1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
    a: "7",
    b: "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC43\
     61834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
    q: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D\
     A82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
    x: "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762\
     FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
    y: "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C\
     83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E",
    cofactor: 1,
}

// RFC 7836 §A.1.
curve! {
    Tc26_512A, TC26_512_A, 8, L512,
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
     FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
     FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
    b: "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265\
     EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
    q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
     27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
    x: "3",
    y: "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921\
     DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
    cofactor: 1,
}

curve! {
    Tc26_512B, TC26_512_B, 8, L512,
    p: "8000000000000000000000000000000000000000000000000000000000000000\
     000000000000000000000000000000000000000000000000000000000000006F",
    a: "8000000000000000000000000000000000000000000000000000000000000000\
     000000000000000000000000000000000000000000000000000000000000006C",
    b: "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F\
     3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
    q: "8000000000000000000000000000000000000000000000000000000000000001\
     49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
    x: "2",
    y: "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335\
     DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD",
    cofactor: 1,
}

// RFC 7836 §A.1 (Weierstrass form of the twisted Edwards curve).
curve! {
    Tc26_512C, TC26_512_C, 8, L512,
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
     FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
    a: "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645\
     46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
    b: "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0\
     38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
    q: "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
     C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
    x: "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A\
     A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
    y: "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B\
     E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
    cofactor: 4,
}

impl ParamSet {
    /// Every parameter set, in a stable order.
    pub const ALL: [ParamSet; 9] = [
        Self::Test256,
        Self::CryptoProA,
        Self::CryptoProB,
        Self::CryptoProC,
        Self::Tc26_256A,
        Self::Test512,
        Self::Tc26_512A,
        Self::Tc26_512B,
        Self::Tc26_512C,
    ];

    /// Looks a parameter set up by any of its object identifiers (see the variants).
    ///
    /// # Errors
    /// [`GostError::UnsupportedParamSet`] naming the OID if it is not a known parameter set.
    pub fn from_oid(oid: &Oid) -> Result<Self, GostError> {
        Ok(match *oid {
            oid::CRYPTOPRO_TEST => Self::Test256,
            oid::CRYPTOPRO_A | oid::CRYPTOPRO_XCH_A | oid::TC26_256_B => Self::CryptoProA,
            oid::CRYPTOPRO_B | oid::TC26_256_C => Self::CryptoProB,
            oid::CRYPTOPRO_C | oid::CRYPTOPRO_XCH_B | oid::TC26_256_D => Self::CryptoProC,
            oid::TC26_256_A => Self::Tc26_256A,
            oid::TC26_512_TEST => Self::Test512,
            oid::TC26_512_A => Self::Tc26_512A,
            oid::TC26_512_B => Self::Tc26_512B,
            oid::TC26_512_C => Self::Tc26_512C,
            other => return Err(GostError::UnsupportedParamSet(other)),
        })
    }

    /// The object identifier written for this parameter set: the one the OpenSSL GOST engine
    /// writes for `paramset:A`/`B`/`C`/`0`/`TCA` (256-bit) and `A`/`B`/`C` (512-bit).
    pub const fn oid(self) -> Oid {
        match self {
            Self::Test256 => oid::CRYPTOPRO_TEST,
            Self::CryptoProA => oid::CRYPTOPRO_A,
            Self::CryptoProB => oid::CRYPTOPRO_B,
            Self::CryptoProC => oid::CRYPTOPRO_C,
            Self::Tc26_256A => oid::TC26_256_A,
            Self::Test512 => oid::TC26_512_TEST,
            Self::Tc26_512A => oid::TC26_512_A,
            Self::Tc26_512B => oid::TC26_512_B,
            Self::Tc26_512C => oid::TC26_512_C,
        }
    }

    /// The ASN.1 name of [`ParamSet::oid`].
    pub const fn name(self) -> &'static str {
        match self {
            Self::Test256 => "id-GostR3410-2001-TestParamSet",
            Self::CryptoProA => "id-GostR3410-2001-CryptoPro-A-ParamSet",
            Self::CryptoProB => "id-GostR3410-2001-CryptoPro-B-ParamSet",
            Self::CryptoProC => "id-GostR3410-2001-CryptoPro-C-ParamSet",
            Self::Tc26_256A => "id-tc26-gost-3410-12-256-paramSetA",
            Self::Test512 => "id-tc26-gost-3410-12-512-paramSetTest",
            Self::Tc26_512A => "id-tc26-gost-3410-12-512-paramSetA",
            Self::Tc26_512B => "id-tc26-gost-3410-12-512-paramSetB",
            Self::Tc26_512C => "id-tc26-gost-3410-12-512-paramSetC",
        }
    }

    /// Whether this is one of the two test curves of the standard (not for production keys).
    pub const fn is_test(self) -> bool {
        matches!(self, Self::Test256 | Self::Test512)
    }

    /// 256- or 512-bit.
    pub const fn key_size(self) -> KeySize {
        match self {
            Self::Test256 | Self::CryptoProA | Self::CryptoProB | Self::CryptoProC => {
                KeySize::Bits256
            }
            Self::Tc26_256A => KeySize::Bits256,
            Self::Test512 | Self::Tc26_512A | Self::Tc26_512B | Self::Tc26_512C => KeySize::Bits512,
        }
    }

    /// Bytes per coordinate, scalar, digest and signature half: 32 or 64.
    pub const fn coordinate_len(self) -> usize {
        self.key_size().coordinate_len()
    }

    /// The cofactor: number of curve points divided by the order `q` of the base point.
    pub fn cofactor(self) -> u32 {
        match self.curve() {
            Curve::W256(c) => c.cofactor,
            Curve::W512(c) => c.cofactor,
        }
    }

    /// The order `q` of the base point, big-endian, [`ParamSet::coordinate_len`] bytes.
    pub fn order_be(self) -> Vec<u8> {
        match self.curve() {
            Curve::W256(c) => c.q_uint().to_be_bytes().as_ref().to_vec(),
            Curve::W512(c) => c.q_uint().to_be_bytes().as_ref().to_vec(),
        }
    }

    /// The field modulus `p`, big-endian, [`ParamSet::coordinate_len`] bytes.
    pub fn modulus_be(self) -> Vec<u8> {
        match self.curve() {
            Curve::W256(c) => c.p_uint().to_be_bytes().as_ref().to_vec(),
            Curve::W512(c) => c.p_uint().to_be_bytes().as_ref().to_vec(),
        }
    }

    pub(crate) fn curve(self) -> Curve {
        match self {
            Self::Test256 => Curve::W256(&TEST_256),
            Self::CryptoProA => Curve::W256(&CRYPTOPRO_A),
            Self::CryptoProB => Curve::W256(&CRYPTOPRO_B),
            Self::CryptoProC => Curve::W256(&CRYPTOPRO_C),
            Self::Tc26_256A => Curve::W256(&TC26_256_A),
            Self::Test512 => Curve::W512(&TEST_512),
            Self::Tc26_512A => Curve::W512(&TC26_512_A),
            Self::Tc26_512B => Curve::W512(&TC26_512_B),
            Self::Tc26_512C => Curve::W512(&TC26_512_C),
        }
    }
}

impl fmt::Display for ParamSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.oid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::gost::point::{mul_base_ct, mul_vartime, projective_to_affine_ct};

    fn check<const N: usize, C: CurveSpec<N>>() {
        let (gx, gy) = (C::GX_INT, C::GY_INT);
        assert!(
            Affine::<N, C>::from_limbs_vartime(&gx, &gy).is_some(),
            "base point is not on the curve"
        );
        assert!(mul_vartime(&C::G, &C::Q).is_identity_vartime(), "q·G != O");
        // (q − 1)·G = −G: same x, and y = p − y(G).
        let mut q1 = C::Q;
        q1[0] -= 1;
        let (x, y) = projective_to_affine_ct(&mut mul_base_ct::<N, C>(&q1)).unwrap();
        assert_eq!(x, gx, "(q − 1)·G has another x than G");
        assert_ne!(y, gy);
    }

    #[test]
    fn every_base_point_is_on_its_curve_and_has_order_q() {
        for ps in ParamSet::ALL {
            dispatch!(ps, check());
            assert_eq!(ParamSet::from_oid(&ps.oid()).unwrap(), ps);
            assert_eq!(ps.order_be().len(), ps.coordinate_len());
            assert_eq!(ps.modulus_be().len(), ps.coordinate_len());
        }
    }

    #[test]
    fn aliases_resolve_to_the_same_curve() {
        for (alias, ps) in [
            (oid::CRYPTOPRO_XCH_A, ParamSet::CryptoProA),
            (oid::CRYPTOPRO_XCH_B, ParamSet::CryptoProC),
            (oid::TC26_256_B, ParamSet::CryptoProA),
            (oid::TC26_256_C, ParamSet::CryptoProB),
            (oid::TC26_256_D, ParamSet::CryptoProC),
        ] {
            assert_eq!(ParamSet::from_oid(&alias).unwrap(), ps);
        }
        let unknown = Oid::new_unwrap("1.2.643.7.1.2.1.1.9");
        assert_eq!(
            ParamSet::from_oid(&unknown),
            Err(GostError::UnsupportedParamSet(unknown))
        );
    }
}
