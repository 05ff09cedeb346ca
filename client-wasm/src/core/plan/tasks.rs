//! A plan's tasks in order, keyed by id compared by value (`1` and `"1"` name the same task), with
//! the four changes the protocol broadcasts. A task whose content did not change keeps its value
//! (in the browser: the same JS object), so the application's rows can be memoised.

use crate::core::decode::{TaskId, Value};
use planwire_protocol::UserId;

/// A task id as a key: the same for `1` and `"1"` (what `idKey` gives in JavaScript).
pub fn key_of(id: &TaskId) -> String {
    match id {
        UserId::Num(n) => decimal(*n),
        UserId::Str(s) => s.clone(),
    }
}

/// The keys of `ids`, in order.
pub fn keys_of(ids: &[TaskId]) -> Vec<String> {
    // A loop of `push`, not `iter().map(key_of).collect()` (its `extend_trusted` and `fold`, ~235 B).
    let mut keys = Vec::with_capacity(ids.len());
    for id in ids {
        keys.push(key_of(id));
    }
    keys
}

/// `n` in decimal, as `n.to_string()` writes it, without `core::fmt`'s integer formatting (which
/// these keys alone would link into the wasm).
pub fn decimal(n: i64) -> String {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut text = String::with_capacity(digits.len() + 1 - start);
    if n < 0 {
        text.push('-');
    }
    text.extend(digits[start..].iter().map(|&d| char::from(d)));
    text
}

/// The key of a task object's `id` (`None` when it has no id that is a number or a string).
pub fn task_key<P: Value>(task: &P) -> Option<String> {
    task.member("id")?.read::<TaskId>().map(|id| key_of(&id))
}

/// One task and the key of its id.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry<P> {
    /// [`key_of`] its id.
    pub key: String,
    /// The task as the server (or an optimistic change) has it.
    pub task: P,
}

/// Tasks in order. Small boards: a `Vec`, searched by key.
#[derive(Debug, PartialEq)]
pub struct TaskList<P> {
    entries: Vec<Entry<P>>,
}

impl<P: Clone> Clone for TaskList<P> {
    fn clone(&self) -> Self {
        // `core::to_vec`, not the derived `Vec::clone` (its own copy for the entries, 179 B).
        TaskList { entries: crate::core::to_vec(&self.entries) }
    }
}

impl<P> Default for TaskList<P> {
    fn default() -> Self {
        TaskList { entries: Vec::new() }
    }
}

impl<P: Value> TaskList<P> {
    /// The tasks in order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry<P>> {
        self.entries.iter()
    }

    /// How many tasks.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The task with key `key`.
    pub fn get(&self, key: &str) -> Option<&P> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.task)
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    /// `task-created` / `task-updated`: replaces the task with the same id where it is (nothing
    /// changes when the content is the same), or adds it at the end. Applying it twice is applying
    /// it once.
    pub fn upsert(&mut self, key: String, task: P) {
        match self.position(&key) {
            Some(i) if self.entries[i].task.same(&task) => {}
            Some(i) => self.entries[i].task = task,
            None => self.entries.push(Entry { key, task }),
        }
    }

    /// `task-deleted`.
    pub fn remove(&mut self, key: &str) {
        crate::core::retain(&mut self.entries, |e| e.key != key);
    }

    /// `task-reordered`: the tasks `keys` names come first, in its order (ids the list does not
    /// know, and repeats, are ignored); the others keep their relative order after them.
    pub fn reorder(&mut self, keys: &[String]) {
        let mut rest = core::mem::take(&mut self.entries);
        for key in keys {
            if let Some(i) = rest.iter().position(|e| &e.key == key) {
                self.entries.push(rest.remove(i));
            }
        }
        self.entries.append(&mut rest);
    }

    /// A snapshot replaces every task (one without an id that is a number or a string is left
    /// out); a task equal to the one already held keeps the old value.
    pub fn replace_all(&mut self, tasks: Vec<P>) {
        let mut old = core::mem::take(&mut self.entries);
        for task in tasks {
            let Some(key) = task_key(&task) else { continue };
            let kept = old.iter().position(|e| e.key == key && e.task.same(&task)).map(|i| old.swap_remove(i).task);
            self.entries.push(Entry { key, task: kept.unwrap_or(task) });
        }
    }

    /// How many tasks have the status `completed`.
    pub fn completed(&self) -> usize {
        self.entries.iter().filter(|e| e.task.member("status").and_then(|s| s.read::<String>()).as_deref() == Some("completed")).count()
    }
}
