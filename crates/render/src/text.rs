//! Small text helpers shared by the renderers: escaping for Markdown table
//! cells, code spans, readable symbol names, thread-number ranges, durations.

/// Escapes report text for a Markdown table cell: `|`, backticks and the
/// characters Markdown reads as emphasis or HTML are escaped, and line
/// breaks become spaces, so a cell can never break its row.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        match c {
            '|' | '`' | '*' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '_' if !intraword(prev, next) => out.push_str("\\_"),
            '\r' => {}
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes analysis prose for Markdown. Analysis text uses code spans on
/// purpose, so those are kept verbatim; outside them, characters Markdown
/// would read as emphasis or HTML (`*`, `<`, and `_` except inside a word)
/// are escaped, so `__CFRunLoopRun__` or `vector<T>` in a sentence stay text.
/// Unbalanced backticks (a broken span) are escaped too.
pub fn prose(s: &str) -> String {
    escape_prose(s, false)
}

/// [`prose`] for a table cell: also escapes `|` (GFM needs that inside code
/// spans too) and turns line breaks into spaces.
pub fn prose_cell(s: &str) -> String {
    escape_prose(s, true)
}

/// An underscore between two letters or digits never starts emphasis in GFM
/// (`libtorch_cpu`), so it is left as is.
fn intraword(prev: Option<char>, next: Option<char>) -> bool {
    prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric)
}

fn escape_prose(s: &str, in_table: bool) -> String {
    let balanced = s.matches('`').count().is_multiple_of(2);
    let mut out = String::with_capacity(s.len() + 8);
    let mut in_code = false;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        match c {
            '|' if in_table => out.push_str("\\|"),
            '\r' if in_table => {}
            '\n' if in_table => out.push(' '),
            '`' if !balanced => out.push_str("\\`"),
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '*' | '<' if !in_code => {
                out.push('\\');
                out.push(c);
            }
            '_' if !in_code && !intraword(prev, next) => out.push_str("\\_"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether a string reads as one symbol name rather than a sentence: no
/// whitespace outside brackets (`wait<std::mutex>`, `-[NSObject init]`).
pub fn looks_like_symbol(s: &str) -> bool {
    let mut depth = 0usize;
    for c in s.trim().chars() {
        match c {
            '<' | '(' | '[' | '{' => depth += 1,
            '>' | ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '`' => return false,
            c if c.is_whitespace() && depth == 0 => return false,
            _ => {}
        }
    }
    !s.trim().is_empty()
}

/// An owner label with its finer detail: "ML/GPU framework (PyTorch)", or
/// "GPU driver: AGX (Apple GPU)" when the detail has parentheses of its own.
pub fn owner(label: &str, detail: Option<&str>) -> String {
    match detail.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if d.contains('(') => format!("{label}: {}", cell(d)),
        Some(d) => format!("{label} ({})", cell(d)),
        None => label.to_string(),
    }
}

/// A code span that is safe inside a table cell: pipes are escaped, and a
/// value that itself holds backticks gets a longer fence.
pub fn code(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ").replace('|', "\\|");
    if s.is_empty() {
        return String::new();
    }
    let longest = longest_backtick_run(&s);
    if longest == 0 {
        return format!("`{s}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {s} {fence}")
}

fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// The longest symbol shown whole in a table; longer ones are shortened.
pub const SYMBOL_MAX: usize = 90;
/// The longest a shortened symbol may stay before its middle is cut.
pub const SYMBOL_CUT: usize = 120;

/// Makes a long C++/Swift/ObjC symbol readable in a table: template arguments
/// nested deeper than one level become `<…>`, a long parameter list becomes
/// `(…)`, and what is still too long is cut in the middle. Short symbols are
/// returned unchanged. The JSON output always keeps the whole name.
pub fn readable_symbol(sym: &str) -> String {
    if sym.chars().count() <= SYMBOL_MAX {
        return sym.to_string();
    }
    let s = collapse_templates(sym);
    let s = if s.chars().count() > SYMBOL_MAX {
        collapse_params(&s)
    } else {
        s
    };
    cut_middle(&s, SYMBOL_CUT)
}

/// Replaces template arguments below the first level with `…`.
fn collapse_templates(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    let mut prev = ' ';
    for c in s.chars() {
        match c {
            // `operator<` / `operator<<` / `->` are not template brackets.
            '<' if !out.ends_with("operator") && !out.ends_with("operator<") => {
                depth += 1;
                if depth == 2 {
                    out.push_str("<…");
                } else if depth == 1 {
                    out.push('<');
                }
            }
            '>' if depth > 0 && prev != '-' => {
                if depth <= 2 {
                    out.push('>');
                }
                depth -= 1;
            }
            _ if depth >= 2 => {}
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

/// Replaces the contents of top-level parameter lists with `…`, keeping `()`
/// for functions that take none. Objective-C names (`-[Class sel:]`) are left alone.
fn collapse_params(s: &str) -> String {
    if s.starts_with("-[") || s.starts_with("+[") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    let mut inner_len = 0usize;
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                if depth == 1 {
                    out.push('(');
                    inner_len = 0;
                }
            }
            ')' if depth > 0 => {
                if depth == 1 {
                    if inner_len > 0 {
                        out.push('…');
                    }
                    out.push(')');
                }
                depth -= 1;
            }
            _ if depth >= 1 => inner_len += 1,
            _ => out.push(c),
        }
    }
    out
}

/// Cuts the middle of a string longer than `max` characters.
fn cut_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 8 {
        return s.to_string();
    }
    let head = max * 2 / 3;
    let tail = max - head - 1;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// A short name for a symbol in running text: the readable form without its
/// parameter list (`at::native::mps::dispatch_sync_with_rethrow`).
pub fn short_symbol(sym: &str) -> String {
    if sym.starts_with("-[") || sym.starts_with("+[") {
        return sym.to_string();
    }
    let s = collapse_templates(sym);
    let s = collapse_params(&s);
    // Drop a trailing parameter list, but not a Swift result type (`-> ()`).
    let bare = s.strip_suffix("(…)").or_else(|| s.strip_suffix("()"));
    let s = match bare {
        Some(b)
            if b.ends_with(|c: char| c.is_alphanumeric() || matches!(c, '_' | '>' | ']' | '$')) =>
        {
            b.to_string()
        }
        _ => s,
    };
    cut_middle(&s, SYMBOL_CUT)
}

/// Thread (or frame) numbers as compact ranges: `[1, 2, 3, 5]` -> "1–3, 5".
pub fn ranges(nums: &[u32]) -> String {
    let mut v: Vec<u32> = nums.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && v[i + 1] == end.saturating_add(1) {
            i += 1;
            end = v[i];
        }
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start}–{end}"),
        });
        i += 1;
    }
    parts.join(", ")
}

/// A number of seconds as people read it: "0.43 s", "12.5 s", "3 min 4 s", "2 h 5 min".
pub fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "?".to_string();
    }
    let neg = s < 0.0;
    let a = s.abs();
    let body = if a < 10.0 {
        format!("{a:.2} s")
    } else if a < 60.0 {
        format!("{a:.1} s")
    } else if a < 3600.0 {
        let m = (a / 60.0).floor();
        format!("{m:.0} min {:.0} s", (a - m * 60.0).floor())
    } else if a < 86400.0 * 2.0 {
        let h = (a / 3600.0).floor();
        format!("{h:.0} h {:.0} min", ((a - h * 3600.0) / 60.0).floor())
    } else {
        format!("{:.1} days", a / 86400.0)
    };
    if neg {
        format!("−{body}")
    } else {
        body
    }
}

/// Uptime in whole seconds, as words.
pub fn uptime(secs: u64) -> String {
    if secs < 120 {
        return format!("{secs} s");
    }
    let d = secs / 86400;
    let h = (secs % 86400) / 3600;
    let m = (secs % 3600) / 60;
    if d > 0 {
        format!("{d} d {h} h {m} min")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min {} s", secs % 60)
    }
}

/// "1 thread", "6 threads".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Ends a sentence with a full stop unless it already has closing punctuation.
pub fn sentence(s: &str) -> String {
    let t = s.trim_end();
    match t.chars().last() {
        Some('.' | '!' | '?' | ':') | None => t.to_string(),
        _ => format!("{t}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_backticks() {
        assert_eq!(cell("a|b`c`\nd_* x_y"), "a\\|b\\`c\\` d\\_\\* x_y");
        assert_eq!(code("operator||"), "`operator\\|\\|`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code(""), "");
        assert_eq!(prose_cell("in `a|b`\nx"), "in `a\\|b` x");
        assert_eq!(
            prose("__CFRunLoopRun__ in `__x__` and vector<T>"),
            "\\_\\_CFRunLoopRun\\_\\_ in `__x__` and vector\\<T>"
        );
        assert_eq!(prose_cell("odd ` tick"), "odd \\` tick");
        assert_eq!(
            owner("GPU driver", Some("AGX (Apple GPU)")),
            "GPU driver: AGX (Apple GPU)"
        );
        assert_eq!(
            owner("ML/GPU framework", Some("PyTorch")),
            "ML/GPU framework (PyTorch)"
        );
    }

    #[test]
    fn short_symbols_unchanged() {
        let s = "-[AGXG16XFamilyComputeContext setComputePipelineState:]";
        assert_eq!(readable_symbol(s), s);
        assert_eq!(short_symbol(s), s);
    }

    #[test]
    fn long_cpp_symbols_collapse() {
        let s = "c10::impl::wrap_kernel_functor_unboxed_<c10::impl::detail::WrapFunctionIntoFunctor_<c10::CompileTimeFunctionPointer<at::Tensor (at::Tensor const&, at::Tensor const&), &at::(anonymous namespace)::wrapper_MPS_mul_Tensor(at::Tensor const&, at::Tensor const&)>, at::Tensor, c10::guts::typelist::typelist<at::Tensor const&, at::Tensor const&>>, at::Tensor (at::Tensor const&, at::Tensor const&)>::call(c10::OperatorKernel*, c10::DispatchKeySet, at::Tensor const&, at::Tensor const&)";
        let r = readable_symbol(s);
        assert!(r.chars().count() <= SYMBOL_CUT, "{r}");
        assert!(
            r.starts_with("c10::impl::wrap_kernel_functor_unboxed_<"),
            "{r}"
        );
        assert!(r.contains("::call"), "{r}");
        let p = "at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&, std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char>> const&, std::__1::optional<c10::Scalar>, std::__1::optional<c10::ScalarType>)";
        assert_eq!(
            short_symbol(p),
            "at::native::mps::MetalShaderLibrary::exec_binary_kernel"
        );
        assert_eq!(
            readable_symbol(p),
            "at::native::mps::MetalShaderLibrary::exec_binary_kernel(…)"
        );
    }

    #[test]
    fn symbols_versus_sentences() {
        assert!(looks_like_symbol(
            "wait<std::__1::unique_lock<bmalloc::Mutex> >"
        ));
        assert!(looks_like_symbol("-[UIEventFetcher threadMain]"));
        assert!(!looks_like_symbol("returning from THPVariable_mul"));
        assert!(!looks_like_symbol("in `x`"));
    }

    #[test]
    fn swift_result_types_stay() {
        let s = "partial apply for specialized thunk for @escaping @isolated(any) @callee_guaranteed @async () -> (@out A)";
        assert_eq!(
            short_symbol(s),
            "partial apply for specialized thunk for @escaping @isolated(…) @callee_guaranteed @async () -> (…)"
        );
        assert_eq!(short_symbol("foo(int)"), "foo");
    }

    #[test]
    fn operators_are_not_templates() {
        let s = format!("std::operator<<(std::ostream&, {})", "x".repeat(100));
        assert!(readable_symbol(&s).starts_with("std::operator<<("));
    }

    #[test]
    fn thread_ranges() {
        assert_eq!(ranges(&[5, 6, 7, 8, 9, 10]), "5–10");
        assert_eq!(ranges(&[2, 3]), "2, 3");
        assert_eq!(ranges(&[11, 1, 0, 4]), "0, 1, 4, 11");
        assert_eq!(
            ranges(&[u32::MAX, u32::MAX - 1]),
            format!("{}, {}", u32::MAX - 1, u32::MAX)
        );
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn durations() {
        assert_eq!(seconds(0.4302), "0.43 s");
        assert_eq!(seconds(75.0), "1 min 15 s");
        assert_eq!(uptime(600), "10 min 0 s");
        assert_eq!(uptime(90061), "1 d 1 h 1 min");
    }
}
