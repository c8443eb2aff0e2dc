//! Constant-time checks of GOST signing: see README.md.
#![allow(dead_code, unused_imports)]

// The library's files, at the crate root here (their `super::` paths then name this root);
// `crypto::gost::params` re-exported for the `dispatch!` macro's `$crate::` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GostError {
    InvalidPublicKey(&'static str),
    UnsupportedParamSet(const_oid::ObjectIdentifier),
}
#[path = "../../../src/crypto/gost/arith.rs"]
pub mod arith;
#[path = "../../../src/crypto/gost/field.rs"]
pub mod field;
#[path = "../../../src/crypto/gost/params.rs"]
pub mod params;
#[path = "../../../src/crypto/gost/point.rs"]
pub mod point;
#[path = "../../../src/crypto/gost/safegcd.rs"]
pub mod safegcd;

mod crypto {
    pub mod gost {
        pub use crate::params;
    }
}

use params::*;
use point::*;
use std::hint::black_box;
use std::time::Instant;

unsafe extern "C" {
    fn ct_secret(p: *mut u8, n: usize);
    fn ct_public(p: *mut u8, n: usize);
}

/// ctgrind-style check: the scalar is marked undefined for Memcheck, which then reports every
/// branch and every memory address that depends on it.
fn ctgrind<const N: usize, C: CurveSpec<N>>(seed: u64) {
    let mut k = [0u64; N];
    let mut s = seed;
    for limb in k.iter_mut() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *limb = s;
    }
    k[N - 1] >>= 4;
    // Build the table first (public work).
    let _ = C::comb();
    unsafe { ct_secret(k.as_mut_ptr().cast(), 8 * N) };
    let mut p = mul_base_ct::<N, C>(&k);
    let mut out = projective_to_affine_ct(&mut p);
    unsafe {
        ct_public(
            (&mut out as *mut Option<([u64; N], [u64; N])>).cast(),
            core::mem::size_of_val(&out),
        )
    };
    black_box(out);
}

/// dudect-style test (Reparaz, Balasch, Verbauwhede 2017): two classes of scalars, class 0 a
/// fixed scalar with mostly zero digits (k = 1), class 1 fresh random scalars, measured in
/// random order; Welch's t on the timings (|t| > 4.5 is taken as a leak).
fn dudect<const N: usize, C: CurveSpec<N>>(name: &str, samples: usize) {
    let _ = C::comb();
    let mut s = 0x1234_5678u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut stats = [(0f64, 0f64, 0usize); 2];
    let mut fixed = [0u64; N];
    fixed[0] = 1;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let class = (next() & 1) as usize;
        let mut k = fixed;
        if class == 1 {
            for l in k.iter_mut() {
                *l = next();
            }
            k[N - 1] >>= 4;
        }
        let t = Instant::now();
        let mut p = mul_base_ct::<N, C>(black_box(&k));
        black_box(projective_to_affine_ct(&mut p));
        times.push((class, t.elapsed().as_nanos() as f64));
    }
    // Crop the slowest 10 % (interrupts, preemption), as dudect does.
    let mut sorted: Vec<f64> = times.iter().map(|x| x.1).collect();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let cut = sorted[sorted.len() * 9 / 10];
    for (class, t) in times {
        if t > cut {
            continue;
        }
        let st = &mut stats[class];
        st.0 += t;
        st.1 += t * t;
        st.2 += 1;
    }
    let mv = |st: (f64, f64, usize)| {
        let n = st.2 as f64;
        let m = st.0 / n;
        (m, st.1 / n - m * m, n)
    };
    let (m0, v0, n0) = mv(stats[0]);
    let (m1, v1, n1) = mv(stats[1]);
    let t = (m0 - m1) / (v0 / n0 + v1 / n1).sqrt();
    println!(
        "dudect {name}: fixed k=1 mean {m0:.0} ns (n={n0}), random k mean {m1:.0} ns (n={n1}), Welch t = {t:.2}"
    );
}


/// Minimum over `reps` runs of `f`, in nanoseconds per call (each run calls it `inner` times).
fn min_ns(reps: usize, inner: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / inner as f64);
    }
    best
}

/// Minimum-of-many timings of the arithmetic (scratch figures for tuning; not a criterion bench).
fn timings<const N: usize, C: CurveSpec<N>>(name: &str) {
    use field::Fe;
    let _ = C::comb();
    let _ = C::odd_multiples();
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut rand_scalar = || {
        let mut k = [0u64; N];
        for l in k.iter_mut() {
            *l = next();
        }
        k[N - 1] >>= 4;
        k
    };
    let k = rand_scalar();
    let u1 = rand_scalar();
    let u2 = rand_scalar();
    let a = Fe::<N, C>::from_limbs_vartime(&rand_scalar()).unwrap();
    let b = Fe::<N, C>::from_limbs_vartime(&rand_scalar()).unwrap();
    let mut x = a;
    let mul = min_ns(200, 1000, || x = black_box(x).mul(&b));
    let sqr = min_ns(200, 1000, || x = black_box(x).square());
    let add = min_ns(200, 1000, || x = black_box(x).add(&b));
    let inv = min_ns(50, 20, || x = black_box(x).invert());
    let invv = min_ns(50, 20, || x = black_box(x).invert_vartime());
    let q = {
        let mut p = mul_base_ct::<N, C>(&rand_scalar());
        let (x, y) = projective_to_affine_ct(&mut p).unwrap();
        Affine::<N, C>::from_limbs_vartime(&x, &y).unwrap()
    };
    let mut j = Jacobian::from_affine(&q).double();
    let dbl = min_ns(200, 200, || j = black_box(j).double());
    let jq = Jacobian::from_affine(&q).double().double();
    let addj = min_ns(200, 200, || j = black_box(j).add(&jq));
    let madd = min_ns(200, 200, || j = black_box(j).add_affine(&q));
    let comb = min_ns(30, 10, || {
        let mut p = mul_base_ct::<N, C>(black_box(&k));
        black_box(projective_to_affine_ct(&mut p));
    });
    let lin = min_ns(20, 5, || {
        black_box(lincomb_vartime::<N, C>(black_box(&u1), &q, &u2));
    });
    {
        use crypto_bigint::{NonZero, Uint, modular::{FixedMontyForm, FixedMontyParams}};
        let q = Uint::<N>::from_words(C::Q);
        let qp = FixedMontyParams::new_vartime(q.to_odd().unwrap());
        let qnz = NonZero::new(q).unwrap();
        let v = Uint::<N>::from_words(rand_scalar());
        let rem = min_ns(50, 20, || {
            black_box(black_box(v).rem(&qnz));
        });
        let mm = FixedMontyForm::new(&v, &qp);
        let mont_new = min_ns(50, 20, || {
            black_box(FixedMontyForm::new(black_box(&v), &qp));
        });
        let mont_mul = min_ns(50, 20, || {
            black_box(black_box(mm).mul(&mm));
        });
        let ret = min_ns(50, 20, || {
            black_box(black_box(mm).retrieve());
        });
        let inv_q = min_ns(50, 20, || {
            black_box(black_box(mm).invert_vartime());
        });
        println!("{name} scalars: rem {rem:.0} ns, monty new {mont_new:.0}, mul {mont_mul:.0}, retrieve {ret:.0}, invert_vartime {inv_q:.0}");
    }
    println!(
        "{name}: mul {mul:.1} ns, sqr {sqr:.1}, add {add:.1}, inv {inv:.0}, inv_vartime {invv:.0}; dbl {dbl:.0}, add {addj:.0}, madd {madd:.0}; k·G+affine {:.2} µs; u1·G+u2·Q {:.1} µs",
        comb / 1000.0,
        lin / 1000.0
    );
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("ctgrind") => {
            for seed in 1..3 {
                ctgrind::<4, CryptoProA>(seed);
                ctgrind::<4, CryptoProB>(seed);
                ctgrind::<4, Tc26_256A>(seed);
                ctgrind::<8, Tc26_512A>(seed);
                ctgrind::<8, Test512>(seed);
            }
            println!("ctgrind done");
        }
        Some("dudect") => {
            let n: usize = std::env::args()
                .nth(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or(40000);
            dudect::<4, CryptoProA>("CryptoPro A", n);
            dudect::<4, CryptoProB>("CryptoPro B", n);
            dudect::<8, Tc26_512A>("tc26 512 A", n / 4);
        }
        Some("timings") => {
            let which = std::env::args().nth(2).unwrap_or_default();
            if which.is_empty() || which == "256" {
                timings::<4, CryptoProA>("CryptoPro A");
                timings::<4, CryptoProB>("CryptoPro B");
            }
            if which.is_empty() || which == "512" {
                timings::<8, Tc26_512A>("tc26 512 A");
                timings::<8, Tc26_512B>("tc26 512 B");
            }
        }
        _ => eprintln!("usage: signflow-gost-ct ctgrind | dudect [SAMPLES] | timings"),
    }
}
