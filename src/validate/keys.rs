//! Sets of ids for duplicate and reference checks at volume: every id's bytes in one arena,
//! a hash table of positions into it (about 25 bytes an id, where a `HashMap<String, _>`
//! takes 60 or more: ten million contact ids fit in a quarter of a gigabyte).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use polars::prelude::PlRandomState;

/// A set of ids, each with the first row it was seen on.
pub struct KeyIndex {
    arena: Vec<u8>,
    /// End of each id in the arena (its start is the previous end).
    ends: Vec<u64>,
    rows: Vec<u32>,
    table: HashTable<u32>,
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

    /// Add `id` seen on `row`; the first row it was seen on when it was there already.
    pub fn insert(&mut self, id: &str, row: u32) -> Option<u32> {
        let bytes = id.as_bytes();
        let hash = self.hasher.hash_one(bytes);
        if let Some(&i) = self.table.find(hash, |&i| self.key(i) == bytes) {
            return Some(self.rows[i as usize]);
        }
        let i = self.ends.len() as u32;
        self.arena.extend_from_slice(bytes);
        self.ends.push(self.arena.len() as u64);
        self.rows.push(row);
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        let key_of = |i: &u32| {
            let i = *i as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            hasher.hash_one(&arena[start..ends[i] as usize])
        };
        self.table.insert_unique(hash, i, key_of);
        None
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &str) -> bool {
        let bytes = id.as_bytes();
        let hash = self.hasher.hash_one(bytes);
        self.table.find(hash, |&i| self.key(i) == bytes).is_some()
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
