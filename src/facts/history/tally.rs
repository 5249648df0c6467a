//! Per-user counts for one question at a time, in a slot per user number:
//! counting the distinct users among a few thousand events then needs
//! neither a sort nor a map. Each thread keeps its slots (8 bytes per user
//! of the largest history it has asked about: 0.4 MB for 50,000 users) and
//! reuses them question after question; a new generation number clears them.

/// The slots of one thread.
#[derive(Default)]
pub(super) struct Tally {
    generation: u32,
    /// (generation, count) by user number.
    slots: Vec<(u32, u32)>,
}

impl Tally {
    /// Count a user in; true when it is the first time in this question.
    pub(super) fn add(&mut self, u: u32) -> bool {
        let g = self.generation;
        if self.slots.len() <= u as usize {
            self.slots.resize(u as usize + 1, (0, 0));
        }
        let slot = &mut self.slots[u as usize];
        if slot.0 == g && slot.1 > 0 {
            slot.1 += 1;
            false
        } else {
            *slot = (g, 1);
            true
        }
    }

    /// Count a user out; true when that was their last event in the question.
    pub(super) fn remove(&mut self, u: u32) -> bool {
        match self.slots.get_mut(u as usize) {
            Some(slot) if slot.0 == self.generation && slot.1 > 0 => {
                slot.1 -= 1;
                slot.1 == 0
            }
            _ => false,
        }
    }

    /// Clear for a new question about users numbered below `users`.
    fn start(&mut self, users: usize) {
        if self.slots.len() < users {
            self.slots.resize(users, (0, 0));
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Wrapped: old marks could look current.
            self.slots.fill((0, 0));
            self.generation = 1;
        }
    }
}

thread_local! {
    static TALLY: std::cell::RefCell<Tally> = std::cell::RefCell::default();
}

/// Run one question with a cleared tally of `users` slots: this thread's
/// own, or a fresh one when it is in use (a question inside a question) or
/// gone (a thread ending).
pub(super) fn with_tally<R: Default>(users: usize, question: impl FnOnce(&mut Tally) -> R) -> R {
    let mut question = Some(question);
    let shared = TALLY.try_with(|cell| {
        let mut t = cell.try_borrow_mut().ok()?;
        let q = question.take()?;
        t.start(users);
        Some(q(&mut t))
    });
    if let Ok(Some(answer)) = shared {
        return answer;
    }
    // Not answered above, so still here.
    let mut t = Tally::default();
    t.start(users);
    question.map(|q| q(&mut t)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_starts_cleared_and_a_nested_one_is_its_own() {
        let outer = with_tally(3, |t| {
            assert!(t.add(1) && !t.add(1) && t.add(2));
            // A question asked inside another gets a fresh tally.
            let inner = with_tally(3, |t2| t2.add(1) && t2.add(7));
            assert!(!t.add(2), "the outer tally was disturbed");
            assert!(!t.remove(1) && t.remove(1) && !t.remove(1));
            assert!(t.add(1), "a user counted out and in again is distinct again");
            inner
        });
        assert!(outer);
        // The next question sees nothing of the last.
        assert!(with_tally(3, |t| t.add(1) && t.add(2)));
    }

    #[test]
    fn old_marks_do_not_count_after_the_generation_wraps() {
        TALLY.with(|c| {
            let mut t = c.borrow_mut();
            t.start(3);
            t.generation = u32::MAX;
            // Marks that the wrapped generation (0), or the one after it
            // (1), would take as their own.
            t.slots[1] = (0, 1);
            t.slots[2] = (1, 1);
        });
        assert!(with_tally(3, |t| t.add(1) & t.add(2)), "the first question after the wrap");
        assert!(with_tally(3, |t| t.add(1) & t.add(2)), "the second question after the wrap");
    }
}
