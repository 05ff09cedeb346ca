//! The sans-IO client core: no browser, no clock, no sockets.
//!
//! A [`Machine`] takes [`Input`]s (the application's calls, and what the browser reports: socket
//! opened, frame, socket closed, timer, token, online/offline/visible), each with the current time
//! in milliseconds, and yields [`Action`]s (fetch a token, open a socket, send a message, close the
//! socket, emit an [`Event`]) plus one wake-up deadline from its [`timers`] table. The browser
//! layer (`crate::web`), the native tests and the load generator all drive it the same way.

pub mod action;
pub(crate) mod auth;
pub mod backoff;
pub mod decode;
pub mod event;
pub(crate) mod heartbeat;
pub mod input;
pub mod machine;
pub mod options;
pub mod plan;
pub(crate) mod presence;
pub(crate) mod rooms;
pub(crate) mod seq;
pub mod state;
pub(crate) mod timers;

pub use action::{Action, Outgoing};
pub use decode::{Header, Value};
pub use event::Event;
pub use input::Input;
pub use machine::Machine;
pub use options::{AuthMode, ConfigError, Options, RawOptions};
pub use state::{ConnectionState, State};

/// `parts` in one `String`, as `parts.concat()` gives it; a loop of `push_str` because `concat`
/// links `alloc::str::join_generic_copy` and its overflow-checked length sum (~440 B of wasm).
pub fn concat(parts: &[&str]) -> String {
    let mut text = String::new();
    for part in parts {
        text.push_str(part);
    }
    text
}

/// `items` copied into a new `Vec`, as `items.to_vec()` gives it; a loop of `push` (already linked)
/// because `to_vec` / `Vec::clone` link a copy routine of their own for each element type (~190 B).
pub fn to_vec<T: Clone>(items: &[T]) -> Vec<T> {
    let mut copy = Vec::with_capacity(items.len());
    for item in items {
        copy.push(item.clone());
    }
    copy
}

/// `list.retain(keep)`: the elements `keep` refuses removed, the others kept in order, `keep`
/// called once on each in order. By `Vec::remove`, because each `retain` links its own `retain_mut`
/// (~200 B a type): only for lists that lose one element at a time (rooms, plans, listeners, a task
/// by its id), where it costs what `retain`'s shifting does; `k` removals from `n` cost `k·n` moves.
pub fn retain<T>(list: &mut Vec<T>, mut keep: impl FnMut(&T) -> bool) {
    let mut i = 0;
    while i < list.len() {
        if keep(&list[i]) {
            i += 1;
        } else {
            list.remove(i);
        }
    }
}

#[cfg(test)]
mod helper_tests {
    #[test]
    fn concat_is_std_concat() {
        let cases: [&[&str]; 5] =
            [&[], &[""], &["", "a", ""], &["CODE", ": ", "message"], &["é", "—", "日本", "🦀"]];
        for parts in cases {
            assert_eq!(super::concat(parts), parts.concat());
        }
    }

    #[test]
    fn to_vec_is_std_to_vec() {
        let lists: [&[&str]; 3] = [&[], &["a"], &["a", "", "b", "a"]];
        for list in lists {
            assert_eq!(super::to_vec(list), list.to_vec());
        }
    }

    #[test]
    fn retain_is_std_retain() {
        let lists: [&[u32]; 6] = [&[], &[1], &[2], &[1, 2, 2, 3, 2], &[2, 2, 2], &[4, 1, 6, 5, 8, 8, 3]];
        for list in lists {
            let (mut ours, mut std) = (list.to_vec(), list.to_vec());
            let (mut seen_ours, mut seen_std) = (Vec::new(), Vec::new());
            super::retain(&mut ours, |&x| {
                seen_ours.push(x);
                x % 2 == 1
            });
            std.retain(|&x| {
                seen_std.push(x);
                x % 2 == 1
            });
            assert_eq!((ours, seen_ours), (std, seen_std), "{list:?}");
        }
    }
}

// Native only: they read frames with serde_json (`wasm-pack test` builds the crate's own tests too).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
