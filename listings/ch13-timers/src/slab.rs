//! The registration table: a slab whose tokens carry a generation, so a
//! token that outlived its entry is recognised and refused.
//!
//! A token is a slot index (the low 32 bits) and that slot's generation
//! (the high 32 bits). Removing an entry bumps its slot's generation, so a
//! later entry in the same slot gets a different token, even if it is the
//! same descriptor number.

use crate::poll::Token;

// ANCHOR: slab
/// One slot: its current generation, and its entry if it holds one.
struct Slot<T> {
    generation: u32,
    entry: Option<T>,
}

pub struct Slab<T> {
    slots: Vec<Slot<T>>,
    /// Indices of empty slots, reused before the vector grows.
    free: Vec<u32>,
    len: usize,
}

impl<T> Slab<T> {
    pub fn new() -> Slab<T> {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// Stores `entry` and returns the token that names it.
    pub fn insert(&mut self, entry: T) -> Token {
        self.len += 1;
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&i| i < u32::MAX - 1) // the reserved tokens
                    .expect("more than 4 billion entries");
                self.slots.push(Slot {
                    generation: 0,
                    entry: None,
                });
                index
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.entry = Some(entry);
        token(index, slot.generation)
    }

    /// The entry `token` names, unless it has been removed since.
    pub fn get_mut(&mut self, token: Token) -> Option<&mut T> {
        let (index, generation) = parts(token);
        let slot = self.slots.get_mut(index as usize)?;
        if slot.generation != generation {
            return None; // a stale token: its entry is gone
        }
        slot.entry.as_mut()
    }

    /// Takes the entry out; its token is stale from now on.
    pub fn remove(&mut self, token: Token) -> Option<T> {
        let (index, generation) = parts(token);
        let slot = self.slots.get_mut(index as usize)?;
        if slot.generation != generation {
            return None;
        }
        let entry = slot.entry.take()?;
        // Wraps after 2^32 reuses of one slot; a token would have to stay
        // stale for all of them to be mistaken for a live one.
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(index);
        self.len -= 1;
        Some(entry)
    }
}

fn token(index: u32, generation: u32) -> Token {
    Token(u64::from(generation) << 32 | u64::from(index))
}

fn parts(token: Token) -> (u32, u32) {
    (token.0 as u32, (token.0 >> 32) as u32)
}
// ANCHOR_END: slab

impl<T> Slab<T> {
    pub fn get(&self, token: Token) -> Option<&T> {
        let (index, generation) = parts(token);
        let slot = self.slots.get(index as usize)?;
        (slot.generation == generation)
            .then_some(())
            .and(slot.entry.as_ref())
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The tokens of every entry, for a sweep over all of them.
    pub fn tokens(&self) -> Vec<Token> {
        let live = |(index, slot): (usize, &Slot<T>)| {
            slot.entry.as_ref()?;
            Some(token(index as u32, slot.generation))
        };
        self.slots.iter().enumerate().filter_map(live).collect()
    }
}

impl<T> Default for Slab<T> {
    fn default() -> Slab<T> {
        Slab::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_gets_a_new_token() {
        let mut slab = Slab::new();
        let a = slab.insert("a");
        assert_eq!(slab.remove(a), Some("a"));
        let b = slab.insert("b");
        assert_ne!(a, b, "same slot, new generation");
        assert_eq!(a.0 as u32, b.0 as u32, "the slot was reused");
        assert_eq!(slab.get_mut(a), None, "the stale token finds nothing");
        assert_eq!(slab.remove(a), None);
        assert_eq!(slab.get(b), Some(&"b"));
        assert_eq!(slab.len(), 1);
        assert_eq!(slab.tokens(), vec![b]);
    }

    #[test]
    fn tokens_never_collide_with_the_reserved_ones() {
        let mut slab = Slab::new();
        let t = slab.insert(());
        assert_ne!(t, Token::NOTIFY);
        assert_eq!(slab.get_mut(Token::NOTIFY), None);
    }
}
