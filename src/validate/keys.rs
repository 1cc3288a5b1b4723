//! Sets of ids for duplicate and reference checks at volume: every id's bytes in one arena,
//! a hash table of positions into it (about 35 bytes an id, where a `HashMap<String, _>`
//! takes 60 or more: ten million contact ids fit in a third of a gigabyte).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use polars::prelude::PlRandomState;

/// A set of ids, each with the first row it was seen on.
pub struct KeyIndex {
    arena: Vec<u8>,
    /// End of each id in the arena (its start is the previous end).
    ends: Vec<u64>,
    rows: Vec<u32>,
    /// (hash, index) per id: probing compares hashes in the table itself, and growing it
    /// needs no hashing again.
    table: HashTable<(u64, u32)>,
    hasher: PlRandomState,
}

impl Default for KeyIndex {
    fn default() -> Self {
        KeyIndex {
            arena: Vec::new(),
            ends: Vec::new(),
            rows: Vec::new(),
            table: HashTable::new(),
            hasher: PlRandomState::default(),
        }
    }
}

impl KeyIndex {
    fn key(&self, i: u32) -> &[u8] {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    /// Make room for `n` more ids.
    pub fn reserve(&mut self, n: usize) {
        self.table.reserve(n, |e| e.0);
        self.ends.reserve(n);
        self.rows.reserve(n);
    }

    /// Add `id` seen on `row`; the first row it was seen on when it was there already.
    pub fn insert(&mut self, id: &str, row: u32) -> Option<u32> {
        let bytes = id.as_bytes();
        let hash = self.hasher.hash_one(bytes);
        if let Some(&(_, i)) = self
            .table
            .find(hash, |&(h, i)| h == hash && self.key(i) == bytes)
        {
            return Some(self.rows[i as usize]);
        }
        let i = self.ends.len() as u32;
        self.arena.extend_from_slice(bytes);
        self.ends.push(self.arena.len() as u64);
        self.rows.push(row);
        self.table.insert_unique(hash, (hash, i), |e| e.0);
        None
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &str) -> bool {
        let bytes = id.as_bytes();
        let hash = self.hasher.hash_one(bytes);
        self.table
            .find(hash, |&(h, i)| h == hash && self.key(i) == bytes)
            .is_some()
    }

    /// The ids in the order they were first seen.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len() as u32).map(|i| std::str::from_utf8(self.key(i)).unwrap_or(""))
    }
}

/// The ids of a table other tables refer to: those of rows kept, and those of rows
/// rejected (so a reference to one can say so).
#[derive(Default)]
pub struct KeySet {
    pub used: KeyIndex,
    pub rejected: KeyIndex,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_rows_and_membership() {
        let mut k = KeyIndex::default();
        assert_eq!(k.insert("D1", 0), None);
        assert_eq!(k.insert("D2", 1), None);
        assert_eq!(k.insert("D1", 5), Some(0));
        assert_eq!(k.insert("", 6), None);
        assert_eq!(k.insert("", 7), Some(6));
        assert!(k.contains("D2") && k.contains("") && !k.contains("D3"));
        assert_eq!(k.ids().count(), 3);
        assert_eq!(k.ids().collect::<Vec<_>>(), ["D1", "D2", ""]);
        // Many ids: the table grows and keeps finding them.
        for i in 0..10_000u32 {
            k.insert(&format!("T{i:08}"), i + 10);
        }
        assert_eq!(k.insert("T00004321", 0), Some(4331));
        assert_eq!(k.ids().count(), 10_003);
    }
}

#[cfg(test)]
mod memory_probe {
    #[test]
    #[ignore]
    fn ten_million() {
        let mut k = super::KeyIndex::default();
        k.reserve(9_567_114);
        for i in 0..9_536_821u32 {
            k.insert(&format!("T{i:08}"), i);
        }
        let s = std::fs::read_to_string("/proc/self/status").unwrap();
        for l in s
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("RssAnon"))
        {
            crate::say!("{l}");
        }
    }
}
