//! Thread header lines: "Thread 0 name:  Dispatch queue: com.apple.main-thread",
//! "Thread 0 Crashed:", "Thread 0 Crashed:: Dispatch queue: ...", "Thread 1::
//! com.apple.NSEventThread", "Thread 10 name:  com.facebook...", "Thread 2:".
//! A "Dispatch queue: X" text is a queue label; anything before it is a name.

use crate::text::Needle;
use crate::text::Trim as _;

/// What a "Thread N ..." line says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ThreadLine {
    /// "Thread N name: [text]" (the iOS layout; the frames follow "Thread N:").
    Name {
        number: u32,
        name: Option<String>,
        queue: Option<String>,
    },
    /// "Thread N:", "Thread N Crashed:", "Thread N:: text", "Thread N Crashed:: text".
    Start {
        number: u32,
        crashed: bool,
        name: Option<String>,
        queue: Option<String>,
    },
    /// Any other "Thread N ...:" line ("instruction stream:", "Attributed:").
    Other,
}

/// Classifies a line starting with "Thread "; `None` if it is not a thread line.
pub(crate) fn parse_thread_line(line: &str) -> Option<ThreadLine> {
    let rest = line.strip_prefix("Thread ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let number: u32 = rest.get(..digits)?.parse().ok()?;
    let after = rest.get(digits..)?;
    if let Some(text) = after.strip_prefix(" name:") {
        let (name, queue) = name_and_queue(text);
        return Some(ThreadLine::Name {
            number,
            name,
            queue,
        });
    }
    let (crashed, after) = match after.strip_prefix(" Crashed:") {
        Some(a) => (true, a),
        None => match after.strip_prefix(':') {
            Some(a) => (false, a),
            None => {
                return if after.trim_end().ends_with(':') {
                    Some(ThreadLine::Other)
                } else {
                    None
                };
            }
        },
    };
    let (name, queue) = match after.strip_prefix(':') {
        Some(text) => name_and_queue(text),
        None if after.trimmed().is_empty() => (None, None),
        None => return None,
    };
    Some(ThreadLine::Start {
        number,
        crashed,
        name,
        queue,
    })
}

/// "Dispatch queue: X" -> queue X; "tid_303  Dispatch queue: X" -> name and
/// queue; anything else is a name.
pub(crate) fn name_and_queue(text: &str) -> (Option<String>, Option<String>) {
    let text = text.trimmed();
    static LOWER: Needle = Needle::new("Dispatch queue:");
    static UPPER: Needle = Needle::new("Dispatch Queue:");
    let found = LOWER.find(text).or_else(|| UPPER.find(text));
    match found {
        Some(pos) => {
            let name = text.get(..pos).unwrap_or("").trimmed();
            let queue = text
                .get(pos + "Dispatch queue:".len()..)
                .unwrap_or("")
                .trimmed();
            (nonempty(name), nonempty(queue))
        }
        None => (nonempty(text), None),
    }
}

fn nonempty(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse_thread_line("Thread 0 name:  Dispatch queue: com.apple.main-thread"),
            Some(ThreadLine::Name {
                number: 0,
                name: None,
                queue: Some("com.apple.main-thread".into())
            })
        );
        assert_eq!(
            parse_thread_line("Thread 0 Crashed:"),
            Some(ThreadLine::Start {
                number: 0,
                crashed: true,
                name: None,
                queue: None
            })
        );
        assert_eq!(
            parse_thread_line(
                "Thread 9 Crashed::  Dispatch queue: com.apple.root.user-initiated-qos.cooperative"
            ),
            Some(ThreadLine::Start {
                number: 9,
                crashed: true,
                name: None,
                queue: Some("com.apple.root.user-initiated-qos.cooperative".into())
            })
        );
        assert_eq!(
            parse_thread_line("Thread 28 Crashed:: tokio-runtime-worker"),
            Some(ThreadLine::Start {
                number: 28,
                crashed: true,
                name: Some("tokio-runtime-worker".into()),
                queue: None
            })
        );
        assert_eq!(
            parse_thread_line("Thread 0 name:  tid_303  Dispatch queue: com.apple.main-thread"),
            Some(ThreadLine::Name {
                number: 0,
                name: Some("tid_303".into()),
                queue: Some("com.apple.main-thread".into())
            })
        );
        assert_eq!(
            parse_thread_line("Thread 1 instruction stream:"),
            Some(ThreadLine::Other)
        );
        assert_eq!(
            parse_thread_line("Thread 1 crashed with X86 Thread State (64-bit):"),
            Some(ThreadLine::Other)
        );
        assert_eq!(parse_thread_line("Threadpool worker"), None);
    }
}
