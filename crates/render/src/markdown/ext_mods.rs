//! The report's "External Modification Summary" (`extMods` in `.ips`): calls
//! other processes made against this one. Shown only when one targeted this
//! process, because `thread_set_state` from outside can change the very
//! registers the report shows.

use crashlens_model::CrashReport;

/// (call, count) pairs for calls other processes made targeting this process,
/// non-zero counts only, in the report's order.
pub fn targeted(report: &CrashReport) -> Vec<(String, u64)> {
    if let Some(json) = report.extra("extMods") {
        return from_json(json);
    }
    if let Some(text) = report.extra("External Modification Summary") {
        return from_text(text);
    }
    Vec::new()
}

fn from_json(json: &str) -> Vec<(String, u64)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let Some(obj) = v.get("targeted").and_then(|t| t.as_object()) else {
        return Vec::new();
    };
    obj.iter()
        .filter_map(|(k, v)| v.as_u64().filter(|n| *n > 0).map(|n| (k.clone(), n)))
        .collect()
}

fn from_text(text: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("Calls made") {
            inside = t.contains("targeting this process");
            continue;
        }
        if !inside {
            continue;
        }
        if let Some((k, v)) = t.split_once(':') {
            if let Ok(n) = v.trim().parse::<u64>() {
                if n > 0 {
                    out.push((k.trim().to_string(), n));
                }
            }
        }
    }
    out
}

/// The System table's line, or an empty string.
pub fn line(report: &CrashReport) -> String {
    let calls = targeted(report);
    if calls.is_empty() {
        return String::new();
    }
    let list: Vec<String> = calls.iter().map(|(k, n)| format!("`{k}` {n}")).collect();
    let mut s = format!("other processes targeted this process: {}", list.join(", "));
    if calls.iter().any(|(k, _)| k == "thread_set_state") {
        s.push_str(" (`thread_set_state` from another process can set a thread's registers, so the register state may not be the program's own doing)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_text_forms() {
        let j = r#"{"caller":{"thread_set_state":0},"system":{"thread_set_state":6,"task_for_pid":3},"targeted":{"task_for_pid":2,"thread_create":0,"thread_set_state":1},"warnings":1}"#;
        assert_eq!(
            from_json(j),
            vec![
                ("task_for_pid".to_string(), 2),
                ("thread_set_state".to_string(), 1)
            ]
        );
        let t = "  Calls made by other processes targeting this process:\n    task_for_pid: 3\n    thread_create: 0\n    thread_set_state: 0\n  Calls made by this process:\n    task_for_pid: 9\n  Calls made by all processes on this machine:\n    task_for_pid: 194397\n";
        assert_eq!(from_text(t), vec![("task_for_pid".to_string(), 3)]);
        assert!(from_text("garbage").is_empty());
        assert!(from_json("{").is_empty());
    }
}
