//! The built-in known-issue and hypothesis tables load and say what they must;
//! broken tables fail with errors that name the file and the problem.

use crashlens_knowledge::known_issues::{self, ThreadSel};
use crashlens_knowledge::{hypotheses, KnowledgeError};

#[test]
fn builtin_known_issues_are_valid() {
    let t = known_issues::builtin().expect("known_issues.toml must be valid");
    assert!(t.issues.len() >= 8);
    for i in &t.issues {
        assert!(!i.workaround.is_empty(), "{}", i.id);
        assert!(
            i.links.iter().all(|l| l.starts_with("https://")),
            "{}",
            i.id
        );
        assert!(i.when.iter().all(|c| !c.describe.is_empty()), "{}", i.id);
        if let Some(h) = &i.supports {
            assert!(
                hypotheses::RULE_IDS.contains(&h.as_str()),
                "{}: supports unknown hypothesis {h}",
                i.id
            );
        }
    }
}

#[test]
fn pytorch_mps_races_come_first() {
    let t = known_issues::builtin().unwrap();
    let first = &t.issues[0];
    assert_eq!(first.id, "pytorch-mps-multithread-race");
    assert_eq!(first.supports.as_deref(), Some("caller_race"));
    for link in ["issues/197805", "pull/167541", "pull/197836"] {
        assert!(
            first
                .links
                .iter()
                .any(|l| l == &format!("https://github.com/pytorch/pytorch/{link}")),
            "{link}"
        );
    }
    // Frame 0 in the AGX driver, a PyTorch MPS caller, and (optionally) several THPVariable threads.
    assert!(first.when[0]
        .frame
        .iter()
        .all(|f| f.position == Some(0) && f.thread == ThreadSel::Crashed));
    assert!(first.when[1].required);
    assert!(!first.when[2].required);
    assert!(first.when[2].frame[0].min_threads >= 2);
}

#[test]
fn builtin_hypotheses_are_valid() {
    let h = hypotheses::builtin().expect("hypotheses.toml must be valid");
    for id in hypotheses::RULE_IDS {
        let x = h.get(id).unwrap();
        assert!(!x.experiments.is_empty(), "{id}");
    }
    let race = h.get("caller_race").unwrap();
    let all: Vec<&String> = race
        .experiments
        .iter()
        .chain(&race.metal_experiments)
        .collect();
    assert!(all.iter().any(|e| e.contains("MTL_DEBUG_LAYER=1")));
    assert!(all.iter().any(|e| e.contains("ThreadSanitizer")));
    assert!(all.iter().any(|e| e.contains("one worker thread")));
    assert!(h.codes.watchdog.contains(&0x8badf00d));
    assert!(h.codes.file_lock.contains(&0xdead10cc));
    assert!(h.codes.thermal.contains(&0xc00010ff));
}

const OK_ISSUE: &str = r#"
[[issue]]
id = "x"
title = "t"
links = ["https://example.org"]
workaround = "w"
[[issue.when]]
describe = "d"
asi = 'abc'
"#;

fn invalid(text: &str) -> String {
    match known_issues::parse("test.toml", text) {
        Err(KnowledgeError::Invalid { file, message }) => {
            assert_eq!(file, "test.toml");
            message
        }
        Err(KnowledgeError::Parse { file, message }) => {
            assert_eq!(file, "test.toml");
            message
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn broken_tables_are_rejected() {
    known_issues::parse("test.toml", OK_ISSUE).expect("the base table is valid");
    assert!(invalid(&format!("{OK_ISSUE}{OK_ISSUE}")).contains("duplicate"));
    assert!(
        invalid(&OK_ISSUE.replace("https://example.org", "http://example.org")).contains("https")
    );
    assert!(invalid(&OK_ISSUE.replace("asi = 'abc'", "asi = '('")).contains("regex"));
    assert!(
        invalid(&OK_ISSUE.replace("asi = 'abc'", "asi = 'a'\nexception = 'b'"))
            .contains("exactly one")
    );
    assert!(invalid(&OK_ISSUE.replace(
        "asi = 'abc'",
        "frame = [{ owner = \"gpu_driver\", thread = \"any\" }]"
    ))
    .contains("crashed thread"));
    assert!(
        invalid(&OK_ISSUE.replace("asi = 'abc'", "asi = 'abc'\nrequired = false"))
            .contains("required")
    );
    assert!(invalid(&OK_ISSUE.replace("id = \"x\"", "id = \"Bad Id\"")).contains("kebab"));
    invalid(&OK_ISSUE.replace("asi = 'abc'", "asi = 'abc'\nnonsense = 1"));
}

#[test]
fn frame_positions() {
    let t = known_issues::parse(
        "test.toml",
        &OK_ISSUE.replace(
            "asi = 'abc'",
            "frame = [{ symbol = 'x', min_position = 1, max_position = 3 }]",
        ),
    )
    .unwrap();
    let rule = &t.issues[0].when[0].frame[0];
    assert!(!rule.position_ok(0));
    assert!(rule.position_ok(1) && rule.position_ok(3));
    assert!(!rule.position_ok(4));
}

#[test]
fn hypothesis_thread_states_exist() {
    // The verdict's state lists name states the thread-state table can produce.
    let h = hypotheses::builtin().unwrap();
    let states = crashlens_knowledge::thread_states::ThreadStates::load_builtin().unwrap();
    let known: Vec<&str> = states.patterns().iter().map(|p| p.id.as_str()).collect();
    let t = &h.threads;
    for id in t
        .passive_states
        .iter()
        .chain(&t.sync_states)
        .chain(&t.submit_states)
        .chain(&t.lock_states)
    {
        assert!(
            known.contains(&id.as_str()),
            "hypotheses.toml names thread state {id}, which thread_states.toml lacks"
        );
    }
}
