//! The facts the judgement passes (concurrency, verdict, headline) reason from,
//! gathered once from the earlier analysis sections, with the raw report as the
//! fallback where a section is missing.

use crashlens_knowledge::hypotheses::ExceptionNames;
use crashlens_model::{hex, Analysis, CrashReport, Owner, Thread, ThreadGroup};

/// One frame of the crashed thread, with its owner where the stack pass gave one.
#[derive(Debug, Clone, Default)]
pub struct FrameFact {
    pub index: u32,
    pub image: String,
    pub symbol: String,
    pub owner: Owner,
    pub owner_detail: Option<String>,
    pub address: Option<u64>,
}

impl FrameFact {
    /// "`sym` (image)", the symbol shortened.
    pub fn describe(&self) -> String {
        let sym = clip(&self.symbol, 100);
        if self.image.is_empty() || self.symbol.starts_with(&self.image) {
            format!("`{sym}`")
        } else {
            format!("`{sym}` ({})", self.image)
        }
    }

    /// Whose code it is, in a word or two: "GPU driver", "PyTorch", "the app".
    pub fn owner_words(&self) -> String {
        match (&self.owner_detail, self.owner) {
            (Some(d), Owner::MlFramework | Owner::ThirdParty | Owner::LanguageRuntime)
                if !d.is_empty() =>
            {
                d.clone()
            }
            _ => self.owner.label().to_string(),
        }
    }

    /// "`sym` (image, owner)".
    pub fn describe_owned(&self) -> String {
        let sym = clip(&self.symbol, 100);
        if self.owner == Owner::Unknown {
            return self.describe();
        }
        format!("`{sym}` ({}, {})", self.image, self.owner_words())
    }
}

/// A line of free text from the report, and where it came from.
#[derive(Debug, Clone)]
pub struct TextFact {
    pub field: String,
    pub text: String,
}

/// Everything the judgement passes look at.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub process: Option<String>,
    pub pid: Option<u64>,
    pub crashed_no: Option<u32>,
    pub crashed_name: Option<String>,
    pub crashed_queue: Option<String>,
    pub exc_type: Option<String>,
    pub signal: Option<String>,
    pub subtype: Option<String>,
    /// The exception pass's words for the subtype.
    pub subtype_meaning: Option<String>,
    pub term_namespace: Option<String>,
    pub term_code: Option<u64>,
    pub term_category: Option<String>,
    pub term_meaning: Option<String>,
    pub term_by: Option<String>,
    /// Exception codes and the termination code.
    pub codes: Vec<u64>,
    /// ASI lines, exception message and notes, termination description, extras.
    pub texts: Vec<TextFact>,
    /// Just the ASI lines (for the headline).
    pub asi: Vec<String>,
    pub fault_address: Option<u64>,
    pub null_offset: Option<u64>,
    pub fault_kinds: Vec<String>,
    pub access: Option<String>,
    pub frames: Vec<FrameFact>,
    /// Index into `frames` of the blamed frame.
    pub blamed: Option<usize>,
    pub sp: Option<u64>,
    pub x0: Option<u64>,
    pub vm_region_info: Option<String>,
    pub has_last_exception_backtrace: bool,
    pub translated: bool,
    pub esr_ec: Option<u32>,
    /// Exception names by meaning, from the knowledge table.
    pub names: ExceptionNames,
}

impl Facts {
    pub fn gather(r: &CrashReport, a: &Analysis) -> Facts {
        let mut f = Facts {
            process: r.process.name.clone(),
            pid: r.process.pid,
            translated: r.process.translated.unwrap_or(false),
            vm_region_info: r.vm_region_info.clone(),
            has_last_exception_backtrace: !r.last_exception_backtrace.is_empty(),
            names: super::kb::load()
                .map(|kb| kb.table.exceptions.clone())
                .unwrap_or_default(),
            ..Default::default()
        };
        let crashed = crashed_thread(r, a);
        f.crashed_no = crashed
            .map(|t| t.number)
            .or(a.crashed_stack.as_ref().map(|s| s.thread));
        f.crashed_name = a
            .crashed_stack
            .as_ref()
            .and_then(|s| s.thread_name.clone())
            .or(crashed.and_then(|t| t.name.clone()));
        f.crashed_queue = a
            .crashed_stack
            .as_ref()
            .and_then(|s| s.queue.clone())
            .or(crashed.and_then(|t| t.queue.clone()));

        let ex = r.exception.as_ref();
        let ax = a.exception.as_ref();
        f.exc_type = ax
            .and_then(|e| e.kind.clone())
            .or(ex.and_then(|e| e.kind.clone()));
        f.signal = ax
            .and_then(|e| e.signal.clone())
            .or(ex.and_then(|e| e.signal.clone()));
        f.subtype = ex
            .and_then(|e| e.subtype.clone())
            .or(ax.and_then(|e| e.subtype.clone()));
        f.subtype_meaning = ax.and_then(|e| e.subtype_meaning.clone());
        if let Some(e) = ex {
            f.codes.extend(e.codes.iter().copied());
            if let Some(m) = &e.message {
                f.texts.push(TextFact {
                    field: "exception.message".into(),
                    text: m.clone(),
                });
            }
            for n in &e.notes {
                f.texts.push(TextFact {
                    field: "exception.notes".into(),
                    text: n.clone(),
                });
            }
        }
        let t = r.termination.as_ref();
        let at = a.termination.as_ref();
        f.term_namespace = at
            .and_then(|x| x.namespace.clone())
            .or(t.and_then(|x| x.namespace.clone()));
        f.term_code = at.and_then(|x| x.code).or(t.and_then(|x| x.code));
        f.term_category = at.and_then(|x| x.category.clone());
        f.term_meaning = at.and_then(|x| x.meaning.clone());
        f.term_by = at
            .and_then(|x| x.by_process.clone())
            .or(t.and_then(|x| x.by_process.clone()));
        f.codes.extend(f.term_code);
        if let Some(t) = t {
            if let Some(d) = &t.description {
                f.texts.push(TextFact {
                    field: "termination.description".into(),
                    text: d.clone(),
                });
            }
        }
        for (i, group) in r.app_specific.iter().enumerate() {
            for line in &group.lines {
                f.asi.push(line.clone());
                f.texts.push(TextFact {
                    field: format!("app_specific[{i}]"),
                    text: line.clone(),
                });
            }
        }
        for (k, v) in &r.extras {
            if v.len() <= 400 {
                let text = if k == "unlabeled" {
                    v.clone()
                } else {
                    format!("{k}: {v}")
                };
                f.texts.push(TextFact {
                    field: format!("extras.{k}"),
                    text,
                });
            }
        }

        if let Some(fa) = &a.fault {
            f.fault_address = fa.address;
            f.null_offset = fa.null_offset;
            f.fault_kinds = fa.kinds.clone();
            f.access = fa.access.clone();
        } else if let Some(sub) = &f.subtype {
            // Fallback when the fault pass said nothing: the subtype's address.
            f.fault_address = address_in(sub);
            if let Some(addr) = f.fault_address {
                if addr < 0x1000 && f.is_fault_signal() {
                    f.null_offset = Some(addr);
                    f.fault_kinds.push("null_offset".into());
                }
            }
            if sub.contains("pointer authentication") {
                f.fault_kinds.push("pointer_auth".into());
            }
        }
        if f.access.is_none() {
            if let Some(w) = a.esr.as_ref().and_then(|e| e.write) {
                f.access = Some(if w { "write" } else { "read" }.to_string());
            }
        }
        f.esr_ec = a.esr.as_ref().map(|e| e.ec);

        if let Some(s) = &a.crashed_stack {
            f.frames = s
                .frames
                .iter()
                .map(|v| FrameFact {
                    index: v.index,
                    image: v.image.clone(),
                    symbol: v.symbol.clone(),
                    owner: v.owner,
                    owner_detail: v.owner_detail.clone(),
                    address: v.address,
                })
                .collect();
            f.blamed = s
                .blamed_frame
                .and_then(|b| f.frames.iter().position(|x| x.index == b));
        } else if let Some(t) = crashed {
            f.frames = t.frames.iter().map(|fr| raw_frame(r, fr)).collect();
        }
        if let Some(state) = crashed.and_then(|t| t.state.as_ref()) {
            f.sp = state.value("sp").or(state.value("rsp"));
            f.x0 = state.value("x0");
        }
        f
    }

    pub fn signal_is(&self, names: &[&str]) -> bool {
        self.signal
            .as_deref()
            .is_some_and(|s| names.iter().any(|n| s.eq_ignore_ascii_case(n)))
    }

    /// The exception type or the signal names one of these (substring, any case).
    pub fn named(&self, names: &[String]) -> bool {
        let hit = |s: &Option<String>| {
            s.as_deref().is_some_and(|s| {
                let s = s.to_ascii_uppercase();
                names.iter().any(|n| s.contains(&n.to_ascii_uppercase()))
            })
        };
        hit(&self.signal) || hit(&self.exc_type)
    }

    /// A real memory fault: SIGSEGV, SIGBUS, EXC_BAD_ACCESS, an access violation;
    /// not a signal the process raised itself (EXC_CRASH) nor a kill.
    pub fn is_fault_signal(&self) -> bool {
        !self.named(&self.names.self_raised) && !self.is_killed() && self.named(&self.names.fault)
    }

    /// The process was killed from outside (SIGKILL).
    pub fn is_killed(&self) -> bool {
        self.named(&self.names.kill)
    }

    /// SIGABRT or a fail-fast / invalid-parameter exception.
    pub fn is_abort(&self) -> bool {
        self.named(&self.names.abort)
    }

    /// A trap instruction (EXC_BREAKPOINT, SIGTRAP).
    pub fn is_trap(&self) -> bool {
        self.named(&self.names.trap)
    }

    /// An illegal instruction (EXC_BAD_INSTRUCTION, SIGILL).
    pub fn is_illegal(&self) -> bool {
        self.named(&self.names.illegal)
    }

    pub fn has_kind(&self, k: &str) -> bool {
        self.fault_kinds.iter().any(|x| x == k)
    }

    pub fn blamed_frame(&self) -> Option<&FrameFact> {
        self.blamed
            .and_then(|i| self.frames.get(i))
            .or(self.frames.first())
    }

    pub fn frame0(&self) -> Option<&FrameFact> {
        self.frames.first()
    }

    /// The first frame below frame 0 owned by someone else than frame 0's owner
    /// and not by the OS runtime (libdispatch, libsystem): frame 0's caller in
    /// the sense of "whose code asked for this".
    pub fn caller(&self) -> Option<&FrameFact> {
        self.caller_of(0)
    }

    /// The caller, in that sense, of the frame at position `pos` of `frames`.
    pub fn caller_of(&self, pos: usize) -> Option<&FrameFact> {
        let f0 = self.frames.get(pos)?;
        self.frames.iter().skip(pos.saturating_add(1)).find(|f| {
            f.owner != f0.owner
                && f.owner != Owner::OsRuntime
                && f.image != f0.image
                && f.image != "???"
        })
    }

    /// Position in `frames` of the blamed frame (0 when none is marked).
    pub fn blamed_pos(&self) -> usize {
        self.blamed.filter(|b| *b < self.frames.len()).unwrap_or(0)
    }

    /// "thread 4 ("Thread-1 (worker)", queue `metal gpu stream 1`)".
    pub fn crashed_words(&self) -> String {
        let Some(n) = self.crashed_no else {
            return "the crashed thread".to_string();
        };
        let mut extra = Vec::new();
        if let Some(name) = &self.crashed_name {
            extra.push(format!("\"{name}\""));
        }
        if let Some(q) = &self.crashed_queue {
            extra.push(format!("queue `{q}`"));
        }
        if extra.is_empty() {
            format!("thread {n}")
        } else {
            format!("thread {n} ({})", extra.join(", "))
        }
    }

    /// The first text line matching a regex.
    pub fn text_matching(&self, re: &regex::Regex) -> Option<&TextFact> {
        self.texts.iter().find(|t| re.is_match(&t.text))
    }

    /// The same, leaving out the report's unclassified extra fields (whose keys,
    /// such as `codeSigningID`, would match words like "code sign").
    pub fn core_text_matching(&self, re: &regex::Regex) -> Option<&TextFact> {
        self.texts
            .iter()
            .find(|t| !t.field.starts_with("extras.") && re.is_match(&t.text))
    }

    /// The signal was raised by the process itself (EXC_CRASH with a signal
    /// other than SIGKILL): abort(), raise(), pthread_kill().
    pub fn is_self_raised(&self) -> bool {
        self.named(&self.names.self_raised) && self.signal.is_some() && !self.is_killed()
    }

    /// The termination code in words: "0x8badf00d".
    pub fn term_code_hex(&self) -> Option<String> {
        self.term_code.map(hex::short)
    }
}

/// The thread the report marks as crashed, or the one the stack pass analyzed.
pub fn crashed_thread<'r>(r: &'r CrashReport, a: &Analysis) -> Option<&'r Thread> {
    r.crashed()
        .or_else(|| a.crashed_stack.as_ref().and_then(|s| r.thread(s.thread)))
}

fn raw_frame(r: &CrashReport, fr: &crashlens_model::Frame) -> FrameFact {
    let image = fr
        .image
        .clone()
        .or_else(|| r.image_of(fr).map(|i| i.display_name().to_string()))
        .unwrap_or_else(|| "???".to_string());
    let symbol = match (&fr.symbol, fr.image_offset) {
        (Some(s), _) => s.clone(),
        (None, Some(off)) => format!("{image} + {off}"),
        (None, None) => fr
            .address
            .map(hex::short)
            .unwrap_or_else(|| "???".to_string()),
    };
    let owner = match r.image_of(fr) {
        Some(img) if img.user_code => Owner::App,
        _ => Owner::Unknown,
    };
    FrameFact {
        index: fr.index,
        image,
        symbol,
        owner,
        owner_detail: None,
        address: fr.address,
    }
}

/// A frame's symbol text, from the raw report (for threads other than the crashed one).
pub fn symbol_of(fr: &crashlens_model::Frame) -> &str {
    fr.symbol.as_deref().unwrap_or("")
}

/// A frame's image name, from the raw report.
pub fn image_of<'r>(r: &'r CrashReport, fr: &'r crashlens_model::Frame) -> &'r str {
    fr.image
        .as_deref()
        .or_else(|| r.image_of(fr).map(|i| i.display_name()))
        .unwrap_or("???")
}

/// The group a thread belongs to.
pub fn group_of(a: &Analysis, thread: u32) -> Option<&ThreadGroup> {
    a.thread_groups.iter().find(|g| g.threads.contains(&thread))
}

/// The first `0x…` number after " at " in a subtype.
fn address_in(s: &str) -> Option<u64> {
    let at = s.find(" at ")?;
    let rest = s.get(at + 4..)?.trim_start();
    let tok: String = rest
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == 'x' || *c == 'X')
        .collect();
    hex::parse(&tok)
}

/// "5–10" style list of thread numbers: "1, 5–10, 11".
pub fn thread_list(threads: &[u32]) -> String {
    let mut t: Vec<u32> = threads.to_vec();
    t.sort_unstable();
    t.dedup();
    // Runs of consecutive numbers as (start, end).
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for n in t {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(n) => *end = n,
            _ => runs.push((n, n)),
        }
    }
    let parts: Vec<String> = runs
        .into_iter()
        .map(|(start, end)| match end.saturating_sub(start) {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start}–{end}"),
        })
        .collect();
    parts.join(", ")
}

/// "thread 4" / "threads 5–10".
pub fn threads_words(threads: &[u32]) -> String {
    if threads.len() == 1 {
        format!("thread {}", thread_list(threads))
    } else {
        format!("threads {}", thread_list(threads))
    }
}

/// Shortens a long line for quoting.
pub fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_threads() {
        assert_eq!(thread_list(&[5, 6, 7, 8, 9, 10]), "5–10");
        assert_eq!(thread_list(&[1, 11, 5, 6]), "1, 5, 6, 11");
        assert_eq!(threads_words(&[4]), "thread 4");
        assert_eq!(
            address_in("KERN_INVALID_ADDRESS at 0x00000000000005c8"),
            Some(0x5c8)
        );
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
