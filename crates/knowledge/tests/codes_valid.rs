//! The built-in code table (knowledge/codes.toml) parses and validates, and its lookups answer
//! the values the analysis passes rely on.

use crashlens_knowledge::codes::{self, parse, try_builtin};

#[test]
fn builtin_codes_parse_and_validate() {
    let c = try_builtin().expect("knowledge/codes.toml must validate");
    assert!(c.exception_types.len() >= 13);
    assert!(c.signals.len() >= 31);
    assert!(!c.esr_classes.is_empty() && !c.fault_statuses.is_empty());
    assert!(!c.poisons.is_empty() && !c.sentinels.is_empty());
}

#[test]
fn every_ec_at_most_once_and_in_range() {
    let c = try_builtin().unwrap();
    for ec in 0..=0x3fu32 {
        assert!(
            c.esr_classes.iter().filter(|e| e.ec == ec).count() <= 1,
            "EC {ec:#x} twice"
        );
    }
    assert!(c.esr_classes.iter().all(|e| e.ec <= 0x3f));
    for code in 0..=0x3fu32 {
        assert!(c.fault_statuses.iter().filter(|f| f.code == code).count() <= 1);
    }
}

#[test]
fn lookups_answer_known_values() {
    let c = codes::builtin();
    assert_eq!(c.exception_type("EXC_BAD_ACCESS").unwrap().number, 1);
    assert_eq!(c.exception_type_number(10).unwrap().name, "EXC_CRASH");
    assert_eq!(c.signal("SIGSEGV").unwrap().number, 11);
    assert_eq!(c.signal_number(6).unwrap().name, "SIGABRT");
    assert_eq!(
        c.subtype_for_code("EXC_BAD_ACCESS", "arm64", 1)
            .unwrap()
            .name,
        "KERN_INVALID_ADDRESS"
    );
    assert_eq!(
        c.subtype_for_code("EXC_BAD_ACCESS", "x86_64", 13)
            .unwrap()
            .name,
        "EXC_I386_GPFLT"
    );
    assert_eq!(
        c.subtype_for_code("EXC_BAD_ACCESS", "arm64", 0x101)
            .unwrap()
            .name,
        "EXC_ARM_DA_ALIGN"
    );
    assert_eq!(
        c.subtype_for_code("EXC_BAD_INSTRUCTION", "x86_64", 1)
            .unwrap()
            .name,
        "EXC_I386_INVOP"
    );
    assert_eq!(
        c.subtype_for_code("EXC_BAD_INSTRUCTION", "arm64", 1)
            .unwrap()
            .name,
        "EXC_ARM_UNDEFINED"
    );
    assert_eq!(c.second_code("EXC_BREAKPOINT", "arm64").unwrap().role, "pc");
    assert!(c.second_code("EXC_BREAKPOINT", "x86_64").is_none());
    assert_eq!(
        c.second_code("EXC_BAD_ACCESS", "x86_64").unwrap().role,
        "address"
    );
    assert_eq!(
        c.termination_code(Some("SPRINGBOARD"), 0x8badf00d)
            .unwrap()
            .category,
        "watchdog"
    );
    assert_eq!(
        c.termination_code(Some("FRONTBOARD"), 0xdead10cc)
            .unwrap()
            .category,
        "file_lock"
    );
    assert_eq!(
        c.termination_code(None, 0xc00010ff).unwrap().category,
        "thermal"
    );
    assert_eq!(
        c.termination_code(Some("TCC"), 0).unwrap().category,
        "privacy"
    );
    assert!(c.termination_code(Some("SIGNAL"), 0x8badf00d).is_none());
    assert!(c.termination_code(Some("SPRINGBOARD"), 0).is_none());
    assert_eq!(c.namespace("tcc").unwrap().category, "privacy");
    let da = c.esr_class(0x24).unwrap();
    assert_eq!(da.kind, "data_abort");
    assert!(da.lower_el);
    assert_eq!(c.esr_class(0x3c).unwrap().kind, "brk");
    let fs = c.fault_status(6).unwrap();
    assert_eq!((fs.name.as_str(), fs.level), ("translation fault", Some(2)));
    assert_eq!(c.fault_status(0x21).unwrap().kind, "alignment");
    assert_eq!(
        c.poison_at(0xaaaaaaaaaaaaaaaa, 0x1000).unwrap().name,
        "MallocScribble (allocated)"
    );
    assert_eq!(
        c.poison_at(0xdeadbeef + 8, 0x1000).unwrap().value,
        0xdeadbeef
    );
    assert!(c.poison_at(0x5c8, 0x1000).is_none());
    assert_eq!(c.sentinel_at(0xbbadbeef, 1).unwrap().value, 0xbbadbeef);
    assert_eq!(c.page_size("arm64"), Some(0x4000));
    assert_eq!(c.page_size("x86_64"), Some(0x1000));
    assert_eq!(c.smallest_page_size(), 0x1000);
    // Old iOS reports: a numeric type, the kill reason in the first code.
    let kill = c.numeric_kill_reason("00000020", &[0xc00010ff]).unwrap();
    assert_eq!(kill.category, "thermal");
    assert_eq!(
        c.numeric_kill_reason("0x20", &[0x8badf00d])
            .unwrap()
            .category,
        "watchdog"
    );
    assert!(c.numeric_kill_reason("EXC_CRASH", &[0x8badf00d]).is_none());
    assert!(c.numeric_kill_reason("00000020", &[0x1234]).is_none());
    assert!(c.numeric_kill_reason("00000020", &[]).is_none());
    assert_eq!(codes::numeric_type_value("0 (0)"), Some(0));
    assert_eq!(codes::numeric_type_value("00000020"), Some(0x20));
    assert_eq!(codes::numeric_type_value("0x20"), Some(0x20));
    assert_eq!(codes::numeric_type_value("EXC_CRASH (SIGABRT)"), None);
    assert_eq!(codes::numeric_type_value(""), None);
}

#[test]
fn rejects_bad_tables() {
    let dup = "[[signal]]\nname = \"SIGA\"\nnumber = \"1\"\nmeaning = \"a\"\n[[signal]]\nname = \"SIGA\"\nnumber = \"2\"\nmeaning = \"b\"\n";
    assert!(parse(dup).is_err());
    let bad_num = "[[signal]]\nname = \"SIGA\"\nnumber = \"0xzz\"\nmeaning = \"a\"\n";
    assert!(parse(bad_num).is_err());
    let ec_twice = "[[esr_class]]\nec = \"0x24\"\nmeaning = \"a\"\nkind = \"data_abort\"\n[[esr_class]]\nec = \"36\"\nmeaning = \"b\"\nkind = \"data_abort\"\n";
    assert!(parse(ec_twice).is_err());
    let ec_big = "[[esr_class]]\nec = \"0x40\"\nmeaning = \"a\"\nkind = \"other\"\n";
    assert!(parse(ec_big).is_err());
    let bad_cat = "[[namespace]]\nname = \"X\"\nmeaning = \"a\"\ncategory = \"nope\"\n";
    assert!(parse(bad_cat).is_err());
    let unknown_key = "[[signal]]\nname = \"SIGA\"\nnumber = \"1\"\nmeaning = \"a\"\nextra = 1\n";
    assert!(parse(unknown_key).is_err());
    assert!(parse("").is_ok());
}

#[test]
fn kern_invalid_address_has_a_pointer_auth_meaning() {
    let c = codes::builtin();
    let s = c.subtype("KERN_INVALID_ADDRESS").unwrap();
    assert!(s.meaning.contains("not mapped"));
    let pac = s.pac_meaning.as_deref().unwrap();
    assert!(pac.contains("failed pointer authentication"), "{pac}");
    assert!(!pac.contains("not mapped"), "{pac}");
}
