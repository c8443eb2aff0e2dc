//! The revoked-serial index of a [`Crl`](super::Crl): every entry in three flat vectors (the
//! serials' bytes end to end, one record per entry, an open-addressing table of record
//! numbers), so a CRL of a million entries costs three allocations instead of two per entry,
//! and a lookup one hash and, almost always, one probe.
//!
//! The hash is the standard library's keyed SipHash with a per-index random key: a CRL is
//! parsed before its signature is checked, so its serials are attacker-chosen, and a
//! predictable hash would let them collide into quadratic work.

use std::hash::{BuildHasher, RandomState};

use super::crl::RevokedEntry;

/// One entry: where its serial sits in `serials`, the index of its certificate issuer (0 = the
/// CRL's issuer), and what the entry says.
#[derive(Debug)]
struct Record {
    serial_start: u32,
    serial_len: u32,
    issuer: u32,
    entry: RevokedEntry,
}

/// Revoked entries by serial number (the INTEGER's content octets as they appear).
#[derive(Debug)]
pub(crate) struct SerialIndex {
    serials: Vec<u8>,
    records: Vec<Record>,
    /// Open addressing with linear probing: 0 is an empty slot, `n` is `records[n - 1]`.
    /// Always at least twice as many slots as records, a power of two.
    slots: Vec<u32>,
    hasher: RandomState,
}

/// An index refused because it would not fit its 32-bit offsets (far beyond any CRL the
/// parser accepts: [`MAX_CRL_LEN`](super::crl::MAX_CRL_LEN) is 256 MiB).
#[derive(Debug)]
pub(crate) struct TooLarge;

impl SerialIndex {
    /// An empty index with room for `entries` records.
    pub(crate) fn with_capacity(entries: usize, serial_bytes: usize) -> Self {
        Self {
            serials: Vec::with_capacity(serial_bytes),
            records: Vec::with_capacity(entries),
            slots: Vec::new(),
            hasher: RandomState::new(),
        }
    }

    /// Adds an entry (in CRL order: when a serial appears twice for the same issuer, the first
    /// entry is the one [`Self::get`] finds). Call [`Self::build`] once all are pushed.
    pub(crate) fn push(
        &mut self,
        serial: &[u8],
        issuer: u32,
        entry: RevokedEntry,
    ) -> Result<(), TooLarge> {
        let start = u32::try_from(self.serials.len()).map_err(|_| TooLarge)?;
        let len = u32::try_from(serial.len()).map_err(|_| TooLarge)?;
        start.checked_add(len).ok_or(TooLarge)?;
        u32::try_from(self.records.len() + 1).map_err(|_| TooLarge)?;
        self.serials.extend_from_slice(serial);
        self.records.push(Record {
            serial_start: start,
            serial_len: len,
            issuer,
            entry,
        });
        Ok(())
    }

    /// Builds the hash table over everything pushed.
    pub(crate) fn build(&mut self) {
        let size = (self.records.len() * 2).next_power_of_two().max(8);
        self.slots = vec![0; size];
        let mask = size - 1;
        for n in 0..self.records.len() {
            let mut i = self.slot_of(self.serial(n)) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            // `push` checked that every record number fits a u32.
            self.slots[i] = n as u32 + 1;
        }
    }

    fn serial(&self, n: usize) -> &[u8] {
        let r = &self.records[n];
        let start = r.serial_start as usize;
        &self.serials[start..start + r.serial_len as usize]
    }

    fn slot_of(&self, serial: &[u8]) -> usize {
        self.hasher.hash_one(serial) as usize
    }

    /// The first entry for `serial` whose issuer index satisfies `issuer`.
    pub(crate) fn get(
        &self,
        serial: &[u8],
        mut issuer: impl FnMut(u32) -> bool,
    ) -> Option<&RevokedEntry> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.slot_of(serial) & mask;
        loop {
            let n = self.slots[i].checked_sub(1)? as usize;
            if self.serial(n) == serial && issuer(self.records[n].issuer) {
                return Some(&self.records[n].entry);
            }
            i = (i + 1) & mask;
        }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{RevocationReason, UnixTime};

    fn entry(t: i64) -> RevokedEntry {
        RevokedEntry {
            revocation_date: UnixTime(t),
            reason: RevocationReason::Unspecified,
            invalidity_date: None,
        }
    }

    #[test]
    fn finds_every_serial_and_nothing_else() {
        let mut index = SerialIndex::with_capacity(0, 0);
        let serials: Vec<Vec<u8>> = (0u32..5000).map(|n| n.to_be_bytes().to_vec()).collect();
        for (n, s) in serials.iter().enumerate() {
            index.push(s, 0, entry(n as i64)).unwrap();
        }
        index.build();
        assert_eq!(index.len(), 5000);
        for (n, s) in serials.iter().enumerate() {
            assert_eq!(
                index.get(s, |_| true).unwrap().revocation_date,
                UnixTime(n as i64)
            );
        }
        assert!(index.get(&5000u32.to_be_bytes(), |_| true).is_none());
        assert!(
            index.get(&[0, 0, 0], |_| true).is_none(),
            "a prefix is not a serial"
        );
        assert!(index.get(&[], |_| true).is_none());
    }

    #[test]
    fn same_serial_for_two_issuers_and_twice_for_one() {
        let mut index = SerialIndex::with_capacity(3, 3);
        index.push(&[7], 0, entry(1)).unwrap();
        index.push(&[7], 1, entry(2)).unwrap();
        index.push(&[7], 0, entry(3)).unwrap();
        index.build();
        assert_eq!(
            index.get(&[7], |i| i == 0).unwrap().revocation_date,
            UnixTime(1)
        );
        assert_eq!(
            index.get(&[7], |i| i == 1).unwrap().revocation_date,
            UnixTime(2)
        );
        assert!(index.get(&[7], |i| i == 2).is_none());
    }

    #[test]
    fn empty_index_finds_nothing() {
        let mut index = SerialIndex::with_capacity(0, 0);
        assert!(index.get(&[1], |_| true).is_none(), "before build");
        index.build();
        assert!(index.get(&[1], |_| true).is_none());
    }
}
