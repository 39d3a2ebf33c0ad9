//! Known issues (`a.known_issues`): matches the report against
//! `knowledge/known_issues.toml` and says, per condition, what matched.

use crate::passes::verdict::facts::{clip, image_of, symbol_of, thread_list, Facts};
use crate::passes::verdict::kb::{self, Issues};
use crate::Context;
use crashlens_knowledge::known_issues::{Condition, FrameRule, KnownIssue, ThreadSel};
use crashlens_model::{hex, Analysis, CrashReport, KnownIssueMatch};

pub fn run(cx: &Context, a: &mut Analysis) {
    let Ok(issues) = kb::issues() else { return };
    let f = Facts::gather(cx.report, a);
    for issue in &issues.table.issues {
        if let Some(m) = match_issue(cx.report, &f, issue, issues) {
            a.known_issues.push(m);
        }
    }
}

/// The hypothesis a matched issue supports, by issue id.
pub fn supports(id: &str) -> Option<&'static str> {
    let issues = kb::issues().ok()?;
    issues
        .table
        .issues
        .iter()
        .find(|i| i.id == id)?
        .supports
        .as_deref()
}

fn match_issue(
    r: &CrashReport,
    f: &Facts,
    issue: &KnownIssue,
    iss: &Issues,
) -> Option<KnownIssueMatch> {
    let mut matched_on = Vec::new();
    for c in &issue.when {
        match check(r, f, c, iss) {
            Some(what) => matched_on.push(format!("{}: {what}", c.describe)),
            None if c.required => return None,
            None => {}
        }
    }
    Some(KnownIssueMatch {
        id: issue.id.clone(),
        title: issue.title.clone(),
        links: issue.links.clone(),
        workaround: Some(issue.workaround.clone()),
        matched_on,
    })
}

fn check(r: &CrashReport, f: &Facts, c: &Condition, iss: &Issues) -> Option<String> {
    if !c.frame.is_empty() {
        return c.frame.iter().find_map(|rule| check_frame(r, f, rule, iss));
    }
    if let Some(p) = &c.exception {
        let text = format!(
            "{} ({}) {}",
            f.exc_type.as_deref().unwrap_or(""),
            f.signal.as_deref().unwrap_or(""),
            f.subtype.as_deref().unwrap_or("")
        );
        let re = iss.re(p)?;
        return re.is_match(&text).then(|| clip(text.trim(), 160));
    }
    if let Some(p) = &c.termination {
        let ns = f.term_namespace.as_deref().unwrap_or("");
        let text = match f.term_code {
            Some(code) => format!("{ns} {}", hex::short(code)),
            None => ns.to_string(),
        };
        let re = iss.re(p)?;
        return re.is_match(&text).then(|| format!("termination {text}"));
    }
    if let Some(p) = &c.asi {
        let re = iss.re(p)?;
        return f
            .texts
            .iter()
            .find(|t| re.is_match(&t.text))
            .map(|t| format!("\"{}\" ({})", clip(&t.text, 200), t.field));
    }
    None
}

fn check_frame(r: &CrashReport, f: &Facts, rule: &FrameRule, iss: &Issues) -> Option<String> {
    let sym_re = match &rule.symbol {
        Some(p) => Some(iss.re(p)?),
        None => None,
    };
    let img_re = match &rule.image {
        Some(p) => Some(iss.re(p)?),
        None => None,
    };
    let ok = |index: u32, symbol: &str, image: &str| {
        rule.position_ok(index)
            && !matches!(sym_re, Some(re) if !re.is_match(symbol))
            && !matches!(img_re, Some(re) if !re.is_match(image))
    };
    // (thread, frame index, symbol, image) of the first matching frame per thread.
    let mut hits: Vec<(u32, u32, String, String)> = Vec::new();
    let crashed = f.crashed_no;
    if rule.thread == ThreadSel::Crashed {
        let hit = f.frames.iter().find(|x| {
            ok(x.index, &x.symbol, &x.image) && !matches!(rule.owner, Some(o) if o != x.owner)
        });
        if let Some(x) = hit {
            hits.push((
                crashed.unwrap_or(0),
                x.index,
                x.symbol.clone(),
                x.image.clone(),
            ));
        }
    } else {
        for t in &r.threads {
            if rule.thread == ThreadSel::Other && Some(t.number) == crashed {
                continue;
            }
            if let Some(fr) = t
                .frames
                .iter()
                .find(|fr| ok(fr.index, symbol_of(fr), image_of(r, fr)))
            {
                hits.push((
                    t.number,
                    fr.index,
                    symbol_of(fr).to_string(),
                    image_of(r, fr).to_string(),
                ));
            }
        }
    }
    if hits.is_empty() || (hits.len() as u64) < u64::from(rule.min_threads) {
        return None;
    }
    if let [(t, i, sym, img)] = hits.as_slice() {
        return Some(format!("thread {t} frame {i} `{}` ({img})", clip(sym, 120)));
    }
    let threads: Vec<u32> = hits.iter().map(|h| h.0).collect();
    let mut syms: Vec<String> = hits
        .iter()
        .map(|h| format!("`{}`", clip(&h.2, 80)))
        .collect();
    syms.sort();
    syms.dedup();
    syms.truncate(3);
    Some(format!(
        "threads {} ({})",
        thread_list(&threads),
        syms.join(", ")
    ))
}
