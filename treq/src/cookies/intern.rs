//! An append-only string arena, so `CookieJar` can hand out `&str` (for
//! `jar["name"]` and `get`) although the cookies live behind a `Mutex`.
//!
//! Values are copied out of the store and kept here for as long as the jar
//! value lives; a string already present is reused, so memory grows only with
//! the number of *distinct* values looked up through this jar value. Built from
//! `OnceLock`s: safe, lock-free for readers, no `unsafe`.

use std::fmt;
use std::sync::OnceLock;

#[derive(Default)]
pub(crate) struct Interner {
    head: OnceLock<Box<Node>>,
}

struct Node {
    value: Box<str>,
    next: OnceLock<Box<Node>>,
}

impl Interner {
    /// A `&str` equal to `s` that lives as long as `self`.
    pub(crate) fn intern(&self, s: &str) -> &str {
        let mut slot = &self.head;
        loop {
            match slot.get() {
                Some(node) if &*node.value == s => return &node.value,
                Some(node) => slot = &node.next,
                None => {
                    // Another thread may fill the slot first: then look again.
                    let _ = slot.set(Box::new(Node {
                        value: s.into(),
                        next: OnceLock::new(),
                    }));
                }
            }
        }
    }
}

impl Drop for Interner {
    // Iterative, so a long list cannot overflow the stack.
    fn drop(&mut self) {
        let mut next = self.head.take();
        while let Some(mut node) = next {
            next = node.next.take();
        }
    }
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Interner")
    }
}

#[cfg(test)]
mod tests {
    use super::Interner;

    #[test]
    fn reuses_equal_strings_and_keeps_distinct_ones() {
        let i = Interner::default();
        let a = i.intern("a");
        let b = i.intern("b");
        let a2 = i.intern("a");
        assert_eq!((a, b), ("a", "b"));
        assert!(std::ptr::eq(a, a2));
    }

    #[test]
    fn many_entries_are_all_kept() {
        let i = Interner::default();
        for n in 0..2_000 {
            i.intern(&n.to_string());
        }
        for n in 0..2_000 {
            assert_eq!(i.intern(&n.to_string()), n.to_string());
        }
        drop(i);
    }
}
