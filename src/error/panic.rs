//! Panics as internal errors: [`guard`] runs a command so that a panic ends in exit 1 and one
//! line, never a trace; [`quietly`] hands a thread's panic to the code that joins it.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use super::{Error, InternalError};

thread_local! {
    /// Whether this thread runs under [`guard`]: its panics are recorded, not printed.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// The first panic recorded on this thread under [`guard`].
    static PANICKED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs a command so that a panic becomes an [`InternalError`] (exit 1, one line) instead of
/// a trace. A panic that something caught and survived on this thread (a probe task the
/// runtime caught) counts too: the run's output is then incomplete, and exit 1 says so.
/// Threads not under a guard keep the default hook, unless they run [`quietly`].
pub fn guard<T>(command: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    install_hook();
    GUARDED.set(true);
    let result = catch_unwind(AssertUnwindSafe(command));
    GUARDED.set(false);
    let panicked = PANICKED.take();
    let panic = |message: Option<String>| {
        Error::Internal(InternalError::Panic {
            message: message.unwrap_or_else(|| "a panic".into()),
        })
    };
    match (result, panicked) {
        (Ok(Err(e)), _) => Err(e),
        (Ok(Ok(value)), None) => Ok(value),
        (Ok(Ok(_)), Some(message)) => Err(panic(Some(message))),
        (Err(_), message) => Err(panic(message)),
    }
}

/// Records a panic on a thread under [`guard`] or [`quietly`]; elsewhere, the hook before.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.get() {
                return previous(info);
            }
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .map_or_else(|| "a panic".to_string(), crate::one_line::first);
            PANICKED.with_borrow_mut(|p| {
                p.get_or_insert(format!("{message}{location}"));
            });
        }));
    });
}

/// Runs `work` with its panic recorded instead of printed, for a thread whose owner turns a
/// panic into an error of its own (the rules parser's): the panic's one-line message.
pub fn quietly<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = GUARDED.replace(true);
    let result = catch_unwind(AssertUnwindSafe(work));
    GUARDED.set(was);
    let panicked = PANICKED.take();
    result.map_err(|_| panicked.unwrap_or_else(|| "a panic".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{InputError, one_line};
    use reports::exit_codes;

    #[test]
    fn a_panic_under_the_guard_is_one_line_and_exit_1() {
        let result: Result<(), Error> = guard(|| panic!("boom\nsecond line"));
        let e = result.unwrap_err();
        assert_eq!(e.exit_code(), exit_codes::INTERNAL);
        let line = one_line(&e);
        assert!(
            line.starts_with(
                "internal error (a bug; please report it): boom at src/error/panic.rs:"
            ),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
        // A panic caught on the way (as the runtime catches a task's) still ends in exit 1.
        let survived: Result<i32, Error> = guard(|| {
            let _ = catch_unwind(|| panic!("in a task"));
            Ok(0)
        });
        assert!(one_line(&survived.unwrap_err()).contains("in a task"));
        // Input errors pass through unchanged; nothing leaks into the next guarded call.
        let input: Result<(), Error> = guard(|| Err(InputError::SeveralFormatsToStdout.into()));
        assert_eq!(input.unwrap_err().exit_code(), exit_codes::INPUT);
        assert_eq!(guard(|| Ok(3)).unwrap(), 3);
    }

    #[test]
    fn a_thread_run_quietly_hands_its_panic_to_its_owner() {
        let panic = std::thread::spawn(|| quietly(|| -> i32 { panic!("parser\nsnippet") }))
            .join()
            .unwrap()
            .unwrap_err();
        assert!(
            panic.starts_with("parser at src/error/panic.rs:"),
            "{panic}"
        );
        assert_eq!(quietly(|| 7), Ok(7));
    }
}
