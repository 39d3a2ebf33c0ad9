//! The built-in frame lists parse and classify the machinery seen in real reports.

use crashlens_knowledge::frames::{self, normalize_symbol, FrameClass, FrameLists};

fn lists() -> FrameLists {
    frames::builtin().clone()
}

fn skip(sym: &str) -> Option<String> {
    match lists().classify(sym) {
        Some(FrameClass::Skip(e)) => Some(e.category.clone()),
        _ => None,
    }
}

fn prefix(sym: &str) -> Option<String> {
    match lists().classify(sym) {
        Some(FrameClass::Prefix(e)) => Some(e.category.clone()),
        _ => None,
    }
}

#[test]
fn builtin_parses() {
    let l = FrameLists::load_builtin().expect("built-in frames.toml must be valid");
    assert!(!l.skip_entries().is_empty() && !l.prefix_entries().is_empty());
    assert!(frames::builtin().classify("abort").is_some());
}

#[test]
fn abort_raise_assert_throw_are_skipped() {
    // icdab_planets.crash: __pthread_kill, pthread_kill$VARIANT$mp, abort.
    assert_eq!(skip("__pthread_kill").as_deref(), Some("signal"));
    assert_eq!(skip("pthread_kill$VARIANT$mp").as_deref(), Some("signal"));
    assert_eq!(skip("abort").as_deref(), Some("abort"));
    assert_eq!(skip("raise").as_deref(), Some("signal"));
    assert_eq!(skip("gsignal").as_deref(), Some("signal"));
    assert_eq!(skip("__abort_with_payload").as_deref(), Some("abort"));
    assert_eq!(skip("abort_with_payload").as_deref(), Some("abort"));
    assert_eq!(skip("__assert_rtn").as_deref(), Some("assert"));
    assert_eq!(skip("MTLReportFailure").as_deref(), Some("assert"));
    assert_eq!(skip("__cxa_throw").as_deref(), Some("throw"));
    assert_eq!(skip("objc_exception_throw").as_deref(), Some("throw"));
    assert_eq!(skip("std::terminate()").as_deref(), Some("throw"));
    assert_eq!(
        skip("std::__1::__throw_out_of_range[abi:ne180100](char const*)").as_deref(),
        Some("throw")
    );
    // KSCrash NSException.txt: the selector-forwarding frames before the app's.
    assert_eq!(
        skip("-[NSObject(NSObject) doesNotRecognizeSelector:]").as_deref(),
        Some("throw")
    );
    assert_eq!(skip("___forwarding___").as_deref(), Some("throw"));
    assert_eq!(skip("_CF_forwarding_prep_0").as_deref(), Some("throw"));
    // Swift traps, demangled and broken-symbolicated (icdab_wrap_ios_14_2.crash).
    assert_eq!(
        skip("_assertionFailure(_:_:file:line:flags:)").as_deref(),
        Some("swift_trap")
    );
    assert_eq!(
        skip("_assertionFailure+ 228276 (_:_:file:line:flags:)").as_deref(),
        Some("swift_trap")
    );
    assert_eq!(
        skip("$ss17_assertionFailure_4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtF")
            .as_deref(),
        Some("swift_trap")
    );
    let sigtramp = lists();
    let c = sigtramp.classify("_sigtramp").unwrap();
    assert!(c.is_skip() && c.entry().through);
}

#[test]
fn generic_frames_are_prefix() {
    assert_eq!(prefix("objc_msgSend").as_deref(), Some("trampoline"));
    assert_eq!(prefix("objc_msgSendSuper2").as_deref(), Some("trampoline"));
    assert_eq!(prefix("_platform_memmove").as_deref(), Some("memory"));
    assert_eq!(
        prefix("_platform_memmove$VARIANT$Haswell").as_deref(),
        Some("memory")
    );
    assert_eq!(prefix("memcpy").as_deref(), Some("memory"));
    assert_eq!(
        prefix("__memcpy_avx_unaligned_erms").as_deref(),
        Some("memory")
    );
    assert_eq!(prefix("nanov2_free").as_deref(), Some("malloc"));
    assert_eq!(prefix("objc_release").as_deref(), Some("refcount"));
    assert_eq!(prefix("swift_release").as_deref(), Some("refcount"));
}

#[test]
fn ordinary_frames_are_not_listed() {
    for s in [
        "-[AGXG16XFamilyComputeContext setComputePipelineState:]",
        "at::native::mul_mps_kernel(at::TensorIteratorBase&)",
        "take_gil",
        "main",
        "-[UIViewController loadViewIfRequired]",
        "err",
        "abortive_call_helper",
        "",
    ] {
        assert!(lists().classify(s).is_none(), "{s} should not be listed");
    }
}

#[test]
fn normalization() {
    assert_eq!(normalize_symbol("pthread_kill$VARIANT$mp"), "pthread_kill");
    assert_eq!(normalize_symbol("std::terminate()"), "std::terminate");
    assert_eq!(
        normalize_symbol("-[NSObject(NSObject) doesNotRecognizeSelector:]"),
        "-[NSObject(NSObject) doesNotRecognizeSelector:]"
    );
    assert_eq!(
        normalize_symbol("_assertionFailure+ 228276 (_:_:file:line:flags:)"),
        "_assertionFailure"
    );
    assert_eq!(normalize_symbol("  abort "), "abort");
    assert_eq!(
        normalize_symbol("closure #1 in closure #1 in closure #1 in _assertionFailure+ 228276 (_:_:file:line:flags:)"),
        "_assertionFailure"
    );
    assert_eq!(
        normalize_symbol("partial apply for closure #2 in Foo.bar()"),
        "Foo.bar"
    );
    assert_eq!(normalize_symbol("closure #1"), "closure #1");
    assert_eq!(
        normalize_symbol("(anonymous namespace)::f()"),
        "(anonymous namespace)::f()"
    );
}

#[test]
fn bad_files_give_clear_errors() {
    let e = FrameLists::parse("f.toml", "[[skip]]\ncategory = \"a\"\nreason = \"r\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("f.toml:") && e.contains("no symbols"), "{e}");
    let e = FrameLists::parse("f.toml", "[[skip]]\ncategory = \"a\"\nreason = \"r\"\nsymbols = [\"abort\"]\n[[prefix]]\ncategory = \"b\"\nreason = \"r\"\nsymbols = [\"abort\"]\n").unwrap_err().to_string();
    assert!(e.contains("duplicate") && e.contains("abort"), "{e}");
    let e = FrameLists::parse(
        "f.toml",
        "[[skip]]\ncategory = \"a\"\nreason = \"r\"\nregex = [\"(\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("bad regex"), "{e}");
    let e = FrameLists::parse("f.toml", "[[skp]]\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("f.toml:"), "{e}");
}
