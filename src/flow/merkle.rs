//! Merkle trees over the journal, as RFC 9162 (Certificate Transparency version 2.0) §2.1
//! defines them: the leaves are the events in commit (store-wide) order, a leaf hashes as
//! `SHA-256(0x00 ‖ leaf)`, an inner node as `SHA-256(0x01 ‖ left ‖ right)`, and the tree over
//! `n` leaves splits at the largest power of two below `n` (MTH, §2.1.1). Inclusion proofs
//! (audit paths, §2.1.3) show that an event is in a tree; consistency proofs (§2.1.4) show that
//! a tree is an append-only extension of an earlier one. The verification functions follow the
//! RFC's algorithms step by step.
//!
//! A [`Frontier`] holds the roots of the perfect subtrees a tree over `n` leaves decomposes into
//! (at most 64 of them, one per set bit of `n`): it takes leaves one by one and gives the root
//! at any point, so a root over millions of events needs no more memory than that. A
//! [`ProofCollector`] gathers an inclusion or consistency proof in the same single pass.

use sha2::{Digest as _, Sha256};

/// A SHA-256 hash: a leaf, a node or a root.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of nothing (MTH({}), RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The hash of a leaf: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an inner node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (for `n >= 2`): where MTH splits `n` leaves.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The root of the tree over `leaves` (leaf hashes), MTH(D\[n\]).
pub fn root(leaves: &[Hash]) -> Hash {
    let mut f = Frontier::new();
    for l in leaves {
        f.push(*l);
    }
    f.root()
}

/// The roots of the perfect subtrees of a tree being built leaf by leaf: enough to give its
/// root at any size, and to extend it, in O(log n) memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// One root per set bit of `size`, the largest (leftmost) subtree first.
    stack: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A frontier from its parts as [`Frontier::size`] and [`Frontier::subtrees`] gave them;
    /// `None` if there are not exactly as many subtree roots as `size` has set bits.
    pub fn from_parts(size: u64, subtrees: Vec<Hash>) -> Option<Self> {
        (subtrees.len() == size.count_ones() as usize).then_some(Self {
            size,
            stack: subtrees,
        })
    }

    /// How many leaves it holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of its perfect subtrees, the largest (leftmost) first.
    pub fn subtrees(&self) -> &[Hash] {
        &self.stack
    }

    /// Appends a leaf (its [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut s = self.size;
        while s & 1 == 1 {
            // A set low bit means a perfect subtree of the same height to merge with.
            let left = self.stack.pop().unwrap_or_default();
            h = node_hash(&left, &h);
            s >>= 1;
        }
        self.stack.push(h);
        self.size += 1;
    }

    /// The root of the tree over the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        it.fold(*last, |right, left| node_hash(left, &right))
    }

    /// The root of the perfect subtree over leaves `start..end`, if it is one of this
    /// frontier's subtrees.
    pub fn subtree(&self, start: u64, end: u64) -> Option<Hash> {
        let mut offset = 0u64;
        let mut i = 0;
        for bit in (0..64).rev() {
            let len = 1u64 << bit;
            if self.size & len == 0 {
                continue;
            }
            if offset == start && offset + len == end {
                return self.stack.get(i).copied();
            }
            offset += len;
            i += 1;
        }
        None
    }
}

/// The leaf ranges (`start..end`, as pairs) whose roots make the inclusion proof (audit path)
/// of leaf `index` in the tree of `size` leaves, in proof order: PATH(index, D\[size\]) of
/// RFC 9162 §2.1.3.1. Empty if `index >= size`.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    if index < size {
        path(index, 0, size, &mut out);
    }
    out
}

fn path(m: u64, start: u64, end: u64, out: &mut Vec<(u64, u64)>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, start, start + k, out);
        out.push((start + k, end));
    } else {
        path(m - k, start + k, end, out);
        out.push((start, start + k));
    }
}

/// The leaf ranges whose roots make the consistency proof between the trees of `first` and
/// `second` leaves, in proof order: PROOF(first, D\[second\]) of RFC 9162 §2.1.4.1. Empty
/// unless `0 < first < second` (no proof is needed otherwise).
pub fn consistency_ranges(first: u64, second: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    if 0 < first && first < second {
        subproof(first, 0, second, true, &mut out);
    }
    out
}

fn subproof(m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
    let n = end - start;
    if m == n {
        if !whole {
            out.push((start, end));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, start, start + k, whole, out);
        out.push((start + k, end));
    } else {
        subproof(m - k, start + k, end, false, out);
        out.push((start, start + k));
    }
}

/// The inclusion proof of leaf `index` among `leaves` (leaf hashes).
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Vec<Hash> {
    ranges_roots(leaves, &inclusion_ranges(index, leaves.len() as u64))
}

/// The consistency proof between the tree of the first `first` of `leaves` and the tree of
/// all of them.
pub fn consistency_proof(leaves: &[Hash], first: u64) -> Vec<Hash> {
    ranges_roots(leaves, &consistency_ranges(first, leaves.len() as u64))
}

fn ranges_roots(leaves: &[Hash], ranges: &[(u64, u64)]) -> Vec<Hash> {
    ranges
        .iter()
        .map(|&(s, e)| root(&leaves[s as usize..e as usize]))
        .collect()
}

/// Why a proof does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size (or, for consistency, the first tree is
    /// larger than the second).
    #[error("the position is outside the tree")]
    OutOfRange,
    /// The proof has the wrong number of hashes for these tree sizes.
    #[error("the proof has the wrong length")]
    WrongLength,
    /// The hashes do not lead to the root (or roots) given.
    #[error("the proof does not lead to the root")]
    RootMismatch,
}

/// Verifies that `leaf` (a [`leaf_hash`]) is leaf `index` of the tree of `size` leaves whose
/// root is `root`, by the algorithm of RFC 9162 §2.1.3.2.
///
/// # Errors
/// [`ProofError::OutOfRange`] if `index >= size`; [`ProofError::WrongLength`] if the proof is
/// too long or too short; [`ProofError::RootMismatch`] if it leads elsewhere.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    // 1. leaf_index must be below tree_size.
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    // 2.–3.
    let (mut fnn, mut sn) = (index, size - 1);
    let mut r = *leaf;
    // 4.
    for p in proof {
        // a.
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        // b.
        if fnn & 1 == 1 || fnn == sn {
            r = node_hash(p, &r);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // c.
        fnn >>= 1;
        sn >>= 1;
    }
    // 5.
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `second` leaves with root `second_root` extends the tree of
/// `first` leaves with root `first_root`, by the algorithm of RFC 9162 §2.1.4.2 (for
/// `0 < first < second`). Beyond the RFC's algorithm: equal sizes need an empty proof and
/// equal roots, and the empty tree (`first == 0`) is extended by every tree with an empty
/// proof.
///
/// # Errors
/// [`ProofError::OutOfRange`] if `first > second`; [`ProofError::WrongLength`] if the proof
/// has the wrong number of hashes; [`ProofError::RootMismatch`] if it does not lead to both
/// roots.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::OutOfRange);
    }
    if first == 0 || first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        if first == second && first_root != second_root {
            return Err(ProofError::RootMismatch);
        }
        if first == 0 && *first_root != empty_root() {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    // 1. An empty path fails.
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    // 2. A power-of-two first tree is itself the path's first element.
    let path: Vec<&Hash> = if first.is_power_of_two() {
        core::iter::once(first_root).chain(proof).collect()
    } else {
        proof.iter().collect()
    };
    // 3.
    let (mut fnn, mut sn) = (first - 1, second - 1);
    // 4.
    while fnn & 1 == 1 {
        fnn >>= 1;
        sn >>= 1;
    }
    // 5.
    let (mut fr, mut sr) = (*path[0], *path[0]);
    // 6.
    for c in &path[1..] {
        // a.
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        // b.
        if fnn & 1 == 1 || fnn == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // c.
        fnn >>= 1;
        sn >>= 1;
    }
    // 7.
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *first_root || sr != *second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Gathers the roots of a proof's ranges ([`inclusion_ranges`], [`consistency_ranges`]) in
/// one pass over the leaves, in O(log n) memory: a range that is one of the frontier's perfect
/// subtrees when the pass reaches its end is read from there, any other is built on its own
/// while the pass crosses it.
#[derive(Clone, Debug)]
pub struct ProofCollector {
    ranges: Vec<(u64, u64)>,
    found: Vec<Option<Hash>>,
    /// Ranges built on their own: (index into `ranges`, their frontier).
    building: Vec<(usize, Frontier)>,
}

impl ProofCollector {
    /// Starts collecting `ranges` at the point `frontier` (the tree so far) has reached:
    /// ranges ending there or before are taken from its subtrees now; the rest come from the
    /// leaves given to [`ProofCollector::push`] from `frontier.size()` on.
    pub fn new(ranges: Vec<(u64, u64)>, frontier: &Frontier) -> Self {
        let found = ranges
            .iter()
            .map(|&(s, e)| {
                if e <= frontier.size() {
                    frontier.subtree(s, e)
                } else {
                    None
                }
            })
            .collect();
        let mut c = Self {
            ranges,
            found,
            building: Vec::new(),
        };
        c.start_at(frontier.size());
        c
    }

    /// Whether the range ends where the frontier then has it as its last subtree.
    fn from_frontier(start: u64, end: u64) -> bool {
        let len = end - start;
        len.is_power_of_two() && end & len != 0 && end & (len - 1) == 0
    }

    fn start_at(&mut self, at: u64) {
        for (i, &(s, e)) in self.ranges.iter().enumerate() {
            if s == at && e > at && !Self::from_frontier(s, e) {
                self.building.push((i, Frontier::new()));
            }
        }
    }

    /// Takes leaf `index` (its hash `leaf`); `frontier` is the tree after it was pushed.
    pub fn push(&mut self, index: u64, leaf: Hash, frontier: &Frontier) {
        let end = index + 1;
        let ranges = &self.ranges;
        let found = &mut self.found;
        self.building.retain_mut(|(i, f)| {
            f.push(leaf);
            if ranges[*i].1 == end {
                found[*i] = Some(f.root());
                false
            } else {
                true
            }
        });
        for (i, &(s, e)) in self.ranges.iter().enumerate() {
            if e == end && Self::from_frontier(s, e) && found[i].is_none() {
                found[i] = frontier.subtree(s, e);
            }
        }
        self.start_at(end);
    }

    /// The proof, once the pass has passed every range's end; `None` before.
    pub fn finish(self) -> Option<Vec<Hash>> {
        self.found.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9162 §2.1.1's MTH, straight from its recursive definition over leaf inputs.
    fn mth(d: &[Vec<u8>]) -> Hash {
        let sha = |parts: &[&[u8]]| -> Hash {
            let mut h = Sha256::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().into()
        };
        match d.len() {
            0 => sha(&[]),
            1 => sha(&[&[0], &d[0]]),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                sha(&[&[1], &mth(&d[..k]), &mth(&d[k..])])
            }
        }
    }

    fn k_of(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// PATH(m, D\[n\]), §2.1.3.1.
    fn rfc_path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        let n = d.len();
        if n <= 1 {
            return vec![];
        }
        let k = k_of(n);
        if m < k {
            let mut p = rfc_path(m, &d[..k]);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = rfc_path(m - k, &d[k..]);
            p.push(mth(&d[..k]));
            p
        }
    }

    /// SUBPROOF(m, D\[n\], b), §2.1.4.1.
    fn rfc_subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { vec![] } else { vec![mth(d)] };
        }
        let k = k_of(n);
        if m <= k {
            let mut p = rfc_subproof(m, &d[..k], b);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = rfc_subproof(m - k, &d[k..], false);
            p.push(mth(&d[..k]));
            p
        }
    }

    fn data(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("leaf {i}").into_bytes()).collect()
    }

    fn hashes(d: &[Vec<u8>]) -> Vec<Hash> {
        d.iter().map(|x| leaf_hash(x)).collect()
    }

    /// Every single-bit flip anywhere in a proof is rejected, and so are a hash dropped or
    /// added.
    fn tampered(proof: &[Hash]) -> Vec<Vec<Hash>> {
        let mut out = Vec::new();
        for i in 0..proof.len() {
            for byte in [0usize, 17, 31] {
                let mut p = proof.to_vec();
                p[i][byte] ^= 0x01;
                out.push(p);
            }
        }
        if !proof.is_empty() {
            out.push(proof[..proof.len() - 1].to_vec());
            out.push(proof[1..].to_vec());
        }
        let mut longer = proof.to_vec();
        longer.push([7; 32]);
        out.push(longer);
        out
    }

    #[test]
    fn roots_match_the_rfc_definition() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut f = Frontier::new();
        let d = data(70);
        for n in 0..=70usize {
            assert_eq!(f.root(), mth(&d[..n]), "n = {n}");
            assert_eq!(root(&hashes(&d[..n])), mth(&d[..n]), "n = {n}");
            // The frontier holds one root per set bit, and survives a round trip.
            assert_eq!(f.subtrees().len(), n.count_ones() as usize);
            let again = Frontier::from_parts(f.size(), f.subtrees().to_vec()).unwrap();
            assert_eq!(again, f);
            if n < 70 {
                f.push(leaf_hash(&d[n]));
            }
        }
        assert!(Frontier::from_parts(3, vec![[0; 32]]).is_none());
    }

    #[test]
    fn inclusion_proofs_match_the_rfc_and_verify() {
        let d = data(70);
        for n in 0..=70usize {
            let leaves = hashes(&d[..n]);
            let r = mth(&d[..n]);
            for m in 0..n {
                let proof = inclusion_proof(&leaves, m as u64);
                assert_eq!(proof, rfc_path(m, &d[..n]), "PATH({m}, {n})");
                let (m64, n64) = (m as u64, n as u64);
                verify_inclusion(m64, n64, &leaves[m], &proof, &r).unwrap();
                for bad in tampered(&proof) {
                    assert!(verify_inclusion(m64, n64, &leaves[m], &bad, &r).is_err());
                }
                // Another leaf, another index, another size, another root: rejected.
                let other = leaf_hash(b"other");
                assert!(verify_inclusion(m64, n64, &other, &proof, &r).is_err());
                if n > 1 {
                    let wrong = (m64 + 1) % n64;
                    assert!(verify_inclusion(wrong, n64, &leaves[m], &proof, &r).is_err());
                }
                // (The same path may verify for another tree size whose shape along it is
                // the same, as for leaf 0 of 3 and of 4 leaves: a root commits to its size only
                // together with it, as a checkpoint carries both.)
                assert!(verify_inclusion(m64, n64, &leaves[m], &proof, &[0; 32]).is_err());
                // Collected in one pass from the start.
                let mut c = ProofCollector::new(inclusion_ranges(m64, n64), &Frontier::new());
                let mut f = Frontier::new();
                for (i, l) in leaves.iter().enumerate() {
                    f.push(*l);
                    c.push(i as u64, *l, &f);
                }
                assert_eq!(c.finish().unwrap(), proof);
            }
            assert_eq!(
                verify_inclusion(n as u64, n as u64, &[0; 32], &[], &r),
                Err(ProofError::OutOfRange)
            );
        }
    }

    #[test]
    fn consistency_proofs_match_the_rfc_and_verify() {
        let d = data(70);
        let leaves = hashes(&d);
        let mut frontiers = vec![Frontier::new()];
        for l in &leaves {
            let mut f = frontiers.last().unwrap().clone();
            f.push(*l);
            frontiers.push(f);
        }
        for n in 0..=70usize {
            let rn = mth(&d[..n]);
            for m in 0..=n {
                let rm = mth(&d[..m]);
                let proof = consistency_proof(&leaves[..n], m as u64);
                let expected = if 0 < m && m < n {
                    rfc_subproof(m, &d[..n], true)
                } else {
                    vec![]
                };
                assert_eq!(proof, expected, "PROOF({m}, {n})");
                let (m64, n64) = (m as u64, n as u64);
                verify_consistency(m64, n64, &rm, &rn, &proof).unwrap();
                for bad in tampered(&proof) {
                    assert!(
                        verify_consistency(m64, n64, &rm, &rn, &bad).is_err(),
                        "({m}, {n})"
                    );
                }
                if 0 < m && m < n {
                    // A first root that is not the first tree's, or a second that is not the
                    // second's: rejected.
                    let mut other = rm;
                    other[5] ^= 0x80;
                    assert!(verify_consistency(m64, n64, &other, &rn, &proof).is_err());
                    let mut other = rn;
                    other[5] ^= 0x80;
                    assert!(verify_consistency(m64, n64, &rm, &other, &proof).is_err());
                }
                if m > 0 && m < n {
                    // The first tree with one leaf changed is not extended by the second.
                    let mut changed = d[..m].to_vec();
                    changed[m - 1].push(b'!');
                    let rc = mth(&changed);
                    assert!(verify_consistency(m64, n64, &rc, &rn, &proof).is_err());
                    // Collected in one pass that starts at the first tree's frontier.
                    let mut c = ProofCollector::new(consistency_ranges(m64, n64), &frontiers[m]);
                    for (i, l) in leaves.iter().enumerate().take(n).skip(m) {
                        c.push(i as u64, *l, &frontiers[i + 1]);
                    }
                    assert_eq!(c.finish().unwrap(), proof, "collected ({m}, {n})");
                }
            }
            if n > 0 {
                assert_eq!(
                    verify_consistency(n as u64, n as u64 - 1, &rn, &rn, &[]),
                    Err(ProofError::OutOfRange)
                );
            }
        }
    }
}
