//! crashlens-bucket: group many crash reports into buckets, one bug per row.
//!
//! [`group`] walks files and folders ([`walk`]), reads every report in
//! parallel (rayon, in chunks, so only per-report [`ReportSummary`]s are
//! kept, never the reports; one file's step is `process.rs`), gives each a
//! [`signature`], fills [`bucket`]s, finds near-duplicate buckets
//! ([`similar`]) and, with a database ([`store`]), remembers what it read so
//! a second run reads only new files.
//! [`output`] writes the result as a table, Markdown, JSON, CSV or NDJSON.
//!
//! The signature reads only the report; the analysis passes run once per
//! bucket, on its example report, for the leading hypothesis.

pub mod bucket;
pub mod output;
mod process;
pub mod signature;
pub mod similar;
pub mod store;
pub mod summary;
pub mod walk;

pub use process::content_hash;

pub use bucket::{Bucket, Buckets, Spread};
pub use signature::{Decision, Engine, Explanation, FrameStep, Signature};
pub use similar::SimilarPair;
pub use summary::ReportSummary;

use crashlens_knowledge::memo::KeyIsHash;
use crashlens_read::ReadError;
use process::{process, Processed};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use store::{FileStamp, KnownHashes, Store, StoreError, StoredUnreadable};

/// Files handed to the workers at a time: bounds memory to one chunk's summaries.
const CHUNK: usize = 2048;

/// The most files one rayon job reads in a row. Left to itself, rayon cuts a
/// chunk into a few long runs, and a worker that finishes its own waits for
/// the other's run to end before the next chunk starts: 5 to 20 ms of an idle
/// CPU per chunk, 6% of a 2-core run. Short runs let it take over the rest.
const LEAF: usize = 4;

/// One chunk's rows for the store: new reports, unreadable files, file stamps.
type Batch = (
    Vec<ReportSummary>,
    Vec<StoredUnreadable>,
    Vec<(String, FileStamp)>,
);

/// How a run is done.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The SQLite file that remembers reports already read.
    pub db: Option<PathBuf>,
    /// Worker threads (default: one per core).
    pub jobs: Option<usize>,
    /// Skip the analysis of each bucket's example (no leading hypothesis).
    pub no_hypotheses: bool,
    /// Every [`Event::Report`] carries its whole summary, as NDJSON output
    /// needs. Otherwise a report taken from the database may have empty
    /// `frames` and `stack`; the first of each bucket always has them (the
    /// bucket keeps them; see [`store::StoredFilter::whole`]). They are about
    /// half of a stored summary's bytes, and a second run reads every stored
    /// summary.
    pub whole_reports: bool,
}

/// A file that was not grouped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotGrouped {
    pub path: String,
    pub reason: String,
    /// A readable report that is not a process crash (panic, jetsam, ...) or a
    /// format not read yet, as opposed to a file that could not be read.
    pub not_a_crash: bool,
}

/// Counts for the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Files found under the paths.
    pub files: usize,
    /// Reports grouped (read now or taken from the database).
    pub reports: u64,
    /// Files read and parsed in this run.
    pub read_now: u64,
    /// Reports taken from the database without parsing.
    pub from_db: u64,
    /// Files whose content was the same as an earlier file's (counted once).
    pub duplicates: u64,
    pub not_grouped: usize,
    pub buckets: usize,
}

/// The result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub totals: Totals,
    /// Largest first.
    pub buckets: Vec<Bucket>,
    pub possibly_the_same: Vec<SimilarPair>,
    pub not_grouped: Vec<NotGrouped>,
}

/// One report as it is grouped, for streaming output (`--format ndjson`),
/// or how far the run has come (for a progress bar).
pub enum Event<'a> {
    /// A report grouped. One taken from the database may lack `frames` and
    /// `stack`, unless [`Options::whole_reports`] asks for them or it is the
    /// first of its bucket.
    Report(&'a ReportSummary),
    NotGrouped(&'a NotGrouped),
    Progress(Progress),
}

/// How far a run has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The paths are walked: this many files to take in.
    Walked { files: usize },
    /// This many of them are taken in (read, or known to the database).
    Read { done: usize },
    /// The examples of this many buckets (those whose leading hypothesis
    /// the database does not know) are being analyzed.
    Hypotheses { buckets: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

/// The version of the code that writes signatures from the rules: raised
/// whenever a change makes it write another text for some report, so that a
/// database of the older texts is rebuilt rather than mixed with them.
/// 2: a frame in no listed image is written by its offset within its page,
/// and a numeric exception type's kill reason (its first code) is part of
/// the exception.
const SIGNATURE_CODE: u32 = 2;

/// The fingerprint of everything a stored signature depends on: this
/// version's code and every knowledge file a signature reads (the rules and
/// lists; the owner rules, through the blamed frame; the codes, for kill
/// reasons and page sizes).
pub fn rules_fingerprint() -> String {
    use crashlens_knowledge::{codes, frames, owners, signature};
    let mut text = format!(
        "signature code {SIGNATURE_CODE}\n{}\n",
        env!("CARGO_PKG_VERSION")
    );
    for file in [
        signature::BUILTIN_TOML,
        frames::BUILTIN_TOML,
        owners::BUILTIN_TOML,
        codes::BUILTIN_TOML,
    ] {
        text.push_str(file);
    }
    format!("{:032x}", content_hash(text.as_bytes()))
}

/// The signature of one file, frame by frame (`group --explain`).
pub fn explain_file(path: &Path) -> Result<Explanation, ReadError> {
    let report = crashlens_read::read_file(path)?;
    Ok(Engine::default().explain(&report))
}

/// A content hash as the store keeps it (32 hex digits).
pub(crate) fn hex(h: u128) -> String {
    format!("{h:032x}")
}

pub(crate) fn parse_hex(h: &str) -> Option<u128> {
    u128::from_str_radix(h, 16).ok()
}

/// Groups the reports under `paths`. With a database and no paths, groups
/// every stored report. `on_event` sees each report as it is grouped.
pub fn group(
    paths: &[PathBuf],
    opts: &Options,
    on_event: &mut dyn FnMut(Event),
) -> Result<Outcome, GroupError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = opts.jobs {
        pool = pool.num_threads(j.max(1));
    }
    let pool = pool
        .build()
        .map_err(|e| GroupError::Threads(e.to_string()))?;
    group_in_pool(&pool, paths, opts, on_event)
}

fn group_in_pool(
    pool: &rayon::ThreadPool,
    paths: &[PathBuf],
    opts: &Options,
    on_event: &mut dyn FnMut(Event),
) -> Result<Outcome, GroupError> {
    let mut store = match &opts.db {
        Some(p) => Some(Store::open(p, &rules_fingerprint())?),
        None => None,
    };
    // With no paths, only the stored reports are printed: what is known of
    // files is not needed. The stamps are read on a thread of its own (with
    // its own connection) while this one walks; the known hashes only when a
    // file's stamp is missing or out of date.
    let files_db = opts.db.as_deref().filter(|_| !paths.is_empty());
    // A database that has seen files usually knows most of them: then no
    // rule table may be needed, and the first new file builds them.
    let warm_tables = !paths.is_empty()
        && match (&store, files_db) {
            (Some(s), Some(_)) => !s.has_file_stamps()?,
            _ => true,
        };
    let (walked, stamps) = std::thread::scope(|scope| -> Result<_, GroupError> {
        // The rule tables every report needs are built meanwhile, on two
        // threads (the owner rules' regexes are most of it), instead of by
        // the first reports while the other workers wait for them.
        if warm_tables {
            for build in crashlens_knowledge::BUILD_AHEAD {
                scope.spawn(build);
            }
        }
        let stamps = files_db.map(|p| scope.spawn(move || Store::open_reader(p)?.file_stamps()));
        // In the pool: its threads walk sub-folders in parallel.
        let walked = pool.install(|| walk::walk(paths));
        let stamps = stamps.map(join_reader).transpose()?;
        Ok((walked, stamps))
    })?;
    let known = KnownHashes::new(files_db);
    let engine = Engine::default();
    let mut out = Outcome::default();
    let mut buckets = Buckets::default();
    // Content hashes (xxh3) are their own map hashes.
    let mut seen: HashSet<u128, KeyIsHash> = HashSet::default();
    // Database hits of this run: hash -> the path it was found at now.
    let mut hits: HashMap<u128, String, KeyIsHash> = HashMap::default();
    let all_stored = paths.is_empty();
    let mut grouped_now = 0u64;

    let (files, walk_errors) = walked;
    out.totals.files = files.len();
    on_event(Event::Progress(Progress::Walked { files: files.len() }));
    for e in walk_errors {
        let ng = NotGrouped {
            path: e.path.display().to_string(),
            reason: e.reason,
            not_a_crash: false,
        };
        on_event(Event::NotGrouped(&ng));
        out.not_grouped.push(ng);
    }

    // The store is written on its own thread, a chunk behind the readers, so
    // the workers do not wait for SQLite between chunks. At most two chunks
    // wait to be written (memory stays bounded).
    let storing = store.is_some();
    let (batches, to_write) = std::sync::mpsc::sync_channel::<Batch>(2);
    std::thread::scope(|scope| -> Result<(), GroupError> {
        let writer = store.as_mut().map(|s| {
            scope.spawn(move || -> Result<(), StoreError> {
                for (reports, bad, files) in to_write {
                    s.write_batch(&reports, &bad, &files)?;
                }
                Ok(())
            })
        });
        let read_chunk = |chunk: &[PathBuf]| -> Vec<Processed> {
            chunk
                .par_iter()
                .with_max_len(LEAF)
                .map(|p| process(p, stamps.as_ref(), &known, &engine))
                .collect()
        };
        // What one chunk's results add to the outcome; false when the store
        // writer has stopped (joining it below reports its error).
        let mut done = 0usize;
        let mut take_in = |results: Vec<Processed>| -> bool {
            done += results.len();
            let mut new_reports = Vec::new();
            let mut new_bad = Vec::new();
            let mut new_files = Vec::new();
            for r in results {
                match r {
                    Processed::Known { hash, path, stamp } => {
                        if let Some(st) = stamp {
                            new_files.push((path.clone(), st));
                        }
                        if seen.insert(hash) {
                            hits.insert(hash, path);
                        } else {
                            out.totals.duplicates += 1;
                        }
                    }
                    Processed::Report {
                        hash,
                        summary,
                        stamp,
                    } => {
                        if let Some(st) = stamp {
                            new_files.push((summary.path.clone(), st));
                        }
                        if !seen.insert(hash) {
                            out.totals.duplicates += 1;
                            continue;
                        }
                        out.totals.read_now += 1;
                        grouped_now += 1;
                        buckets.add(&summary);
                        on_event(Event::Report(&summary));
                        if storing {
                            new_reports.push(*summary);
                        }
                    }
                    Processed::Bad { hash, ng, stamp } => {
                        if let Some(st) = stamp {
                            new_files.push((ng.path.clone(), st));
                        }
                        if let Some(h) = hash {
                            if !seen.insert(h) {
                                out.totals.duplicates += 1;
                                continue;
                            }
                            out.totals.read_now += 1;
                            if storing {
                                new_bad.push(StoredUnreadable {
                                    hash: hex(h),
                                    path: ng.path.clone(),
                                    reason: ng.reason.clone(),
                                    not_a_crash: ng.not_a_crash,
                                });
                            }
                        }
                        on_event(Event::NotGrouped(&ng));
                        out.not_grouped.push(ng);
                    }
                }
            }
            on_event(Event::Progress(Progress::Read { done }));
            !storing || batches.send((new_reports, new_bad, new_files)).is_ok()
        };
        // The workers read a chunk while this thread takes in the one before
        // (in chunk order, as before), so they do not wait for it.
        let mut last: Option<Vec<Processed>> = None;
        for chunk in files.chunks(CHUNK) {
            let mut read = None;
            let mut writer_stopped = false;
            pool.in_place_scope(|scope| {
                scope.spawn(|_| read = Some(read_chunk(chunk)));
                if let Some(results) = last.take() {
                    writer_stopped = !take_in(results);
                }
            });
            last = read;
            if writer_stopped {
                last = None;
                break;
            }
        }
        if let Some(results) = last {
            take_in(results);
        }
        drop(batches);
        match writer.map(|w| w.join()) {
            Some(Ok(written)) => written.map_err(GroupError::from),
            Some(Err(_)) => Err(GroupError::Threads("the database writer stopped".into())),
            None => Ok(()),
        }
    })?;
    if let Some(e) = known.into_error() {
        return Err(e.into());
    }

    if let (Some(s), Some(db)) = (&store, opts.db.as_deref()) {
        // Decoded on reader threads while this one groups them.
        // Only the reports found now (all of them when no paths are given).
        let found = |h: u128| hits.contains_key(&h);
        let filter = store::StoredFilter {
            keep: (!all_stored).then_some(&found as &(dyn Fn(u128) -> bool + Sync)),
            whole: opts.whole_reports,
        };
        store::for_each_report_on_threads(db, filter, |h, summary| {
            if let Some(p) = hits.get(&h) {
                summary.path = p.clone();
            }
            out.totals.from_db += 1;
            buckets.add(summary);
            on_event(Event::Report(summary));
        })?;
        for u in s.unreadable()? {
            let Some(h) = parse_hex(&u.hash) else {
                continue;
            };
            let path = if all_stored {
                Some(&u.path)
            } else {
                hits.get(&h)
            };
            if let Some(p) = path {
                let ng = NotGrouped {
                    path: p.clone(),
                    reason: u.reason,
                    not_a_crash: u.not_a_crash,
                };
                on_event(Event::NotGrouped(&ng));
                out.not_grouped.push(ng);
            }
        }
    }

    out.totals.reports = grouped_now + out.totals.from_db;
    let mut sorted = buckets.into_sorted();
    if !opts.no_hypotheses {
        add_hypotheses(pool, &mut sorted, store.as_ref(), &mut |buckets| {
            on_event(Event::Progress(Progress::Hypotheses { buckets }))
        })?;
    }
    let rules = crashlens_knowledge::signature::builtin();
    out.possibly_the_same = similar::near_duplicates(&sorted, rules.similarity_threshold);
    out.not_grouped.sort_by(|a, b| a.path.cmp(&b.path));
    out.totals.not_grouped = out.not_grouped.len();
    out.totals.buckets = sorted.len();
    out.buckets = sorted;
    drop_aside((files, stamps, seen, hits));
    Ok(out)
}

/// Lets go of `v` on a thread of its own. The per-file lists and maps of a
/// large run (a path or two per file, many of them allocated on other
/// threads) took a tenth of a second to free at the end of a second `--db`
/// run over 100,000 files, after the answer was ready.
fn drop_aside<T: Send + 'static>(v: T) {
    // Should no thread start, the closure, and `v` with it, is dropped here.
    let _ = std::thread::Builder::new()
        .name("crashlens-drop".into())
        .spawn(move || drop(v));
}

/// The result of a database reader thread.
fn join_reader<T>(
    h: std::thread::ScopedJoinHandle<'_, Result<T, StoreError>>,
) -> Result<T, GroupError> {
    match h.join() {
        Ok(r) => r.map_err(GroupError::from),
        Err(_) => Err(GroupError::Threads("a database reader stopped".into())),
    }
}

/// The leading hypothesis of each bucket: the analysis of its example report
/// (remembered in the database by signature).
fn add_hypotheses(
    pool: &rayon::ThreadPool,
    buckets: &mut [Bucket],
    store: Option<&Store>,
    to_analyze: &mut dyn FnMut(usize),
) -> Result<(), StoreError> {
    let mut todo: Vec<usize> = Vec::new();
    for (i, b) in buckets.iter_mut().enumerate() {
        match store
            .map(|s| s.hypothesis(&b.signature))
            .transpose()?
            .flatten()
        {
            Some(h) => b.hypothesis = h,
            None => todo.push(i),
        }
    }
    if !todo.is_empty() {
        to_analyze(todo.len());
    }
    let examples: Vec<(usize, &str)> = todo
        .iter()
        .map(|&i| (i, buckets[i].example.as_str()))
        .collect();
    let found: Vec<(usize, Option<String>)> = pool.install(|| {
        examples
            .par_iter()
            .map(|&(i, example)| {
                let h = crashlens_read::read_file(Path::new(example))
                    .ok()
                    .and_then(|report| {
                        let analysis = crashlens_analyze::analyze(&report);
                        let top = analysis.verdict?.hypotheses.into_iter().next()?;
                        Some(top.title)
                    });
                (i, h)
            })
            .collect()
    });
    for (i, h) in found {
        if let Some(s) = store {
            s.set_hypothesis(&buckets[i].signature, h.as_deref())?;
        }
        buckets[i].hypothesis = h;
    }
    Ok(())
}
