//! Configurations (named sets of environment changes), shards, and the run
//! schedule: configurations interleaved in shuffled blocks from a seed, so
//! drift of the machine over time hits every configuration alike.

use crate::error::ReproError;
use crate::prng::SplitMix64;
use serde::{Deserialize, Serialize};

/// One change to the child's environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EnvChange {
    Set { var: String, value: String },
    Unset { var: String },
}

impl std::fmt::Display for EnvChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvChange::Set { var, value } => write!(f, "{var}={value}"),
            EnvChange::Unset { var } => write!(f, "!{var}"),
        }
    }
}

/// A named configuration: the environment changes applied to every run of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub name: String,
    #[serde(default)]
    pub env: Vec<EnvChange>,
}

impl Config {
    /// The configuration used when no `--config` is given.
    pub fn baseline() -> Self {
        Config {
            name: "baseline".to_string(),
            env: Vec::new(),
        }
    }

    /// `VAR=VAL, VAR=VAL` (or `(no changes)`).
    pub fn describe_env(&self) -> String {
        if self.env.is_empty() {
            "(no changes)".to_string()
        } else {
            self.env
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// Parse `NAME:VAR=VAL[,VAR=VAL]...`; `NAME` alone or `NAME:` means no
/// changes; `!VAR` removes a variable.
pub fn parse_config(text: &str) -> Result<Config, ReproError> {
    let (name, rest) = match text.split_once(':') {
        Some((n, r)) => (n.trim(), r),
        None => (text.trim(), ""),
    };
    if name.is_empty() {
        return Err(ReproError::Usage(format!(
            "config {text:?} has no name (write NAME:VAR=VAL[,VAR=VAL])"
        )));
    }
    if name.contains(|c: char| c.is_control() || c == '/' || c == ',') {
        return Err(ReproError::Usage(format!(
            "config name {name:?} may not contain '/', ',' or control characters"
        )));
    }
    let mut env = Vec::new();
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(var) = part.strip_prefix('!') {
            check_var(var, text)?;
            env.push(EnvChange::Unset {
                var: var.to_string(),
            });
        } else if let Some((var, value)) = part.split_once('=') {
            check_var(var, text)?;
            env.push(EnvChange::Set {
                var: var.to_string(),
                value: value.to_string(),
            });
        } else {
            return Err(ReproError::Usage(format!(
                "config {text:?}: {part:?} is not VAR=VAL or !VAR"
            )));
        }
    }
    Ok(Config {
        name: name.to_string(),
        env,
    })
}

fn check_var(var: &str, text: &str) -> Result<(), ReproError> {
    if var.is_empty() || var.contains(['=', '\0']) {
        return Err(ReproError::Usage(format!(
            "config {text:?}: bad variable name {var:?}"
        )));
    }
    Ok(())
}

/// Check a list of configurations: non-empty, unique names.
pub fn check_configs(configs: &[Config]) -> Result<(), ReproError> {
    if configs.is_empty() {
        return Err(ReproError::Usage("no configurations".into()));
    }
    for (i, c) in configs.iter().enumerate() {
        if configs.iter().skip(i + 1).any(|d| d.name == c.name) {
            return Err(ReproError::Usage(format!(
                "configuration name {:?} is used twice",
                c.name
            )));
        }
    }
    Ok(())
}

/// One slice of the schedule: `index` in `0..count` (0-based, as a Slurm
/// array task id or a Kubernetes job completion index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parse `I/N` with `0 <= I < N`.
pub fn parse_shard(text: &str) -> Result<Shard, ReproError> {
    let bad = || ReproError::Usage(format!("bad shard {text:?} (write I/N with 0 <= I < N)"));
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let index: u64 = i.trim().parse().map_err(|_| bad())?;
    let count: u64 = n.trim().parse().map_err(|_| bad())?;
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// One scheduled run: repetition `rep` of configuration `config`, at
/// `position` in the whole (unsharded) schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    pub config: usize,
    pub rep: u64,
    pub position: u64,
}

/// The full schedule for `runs` repetitions of `n_configs` configurations:
/// block `r` holds repetition `r` of every configuration in a shuffled order.
pub fn schedule(n_configs: usize, runs: u64, seed: u64) -> Vec<Task> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(n_configs.saturating_mul(runs as usize));
    let mut order: Vec<usize> = (0..n_configs).collect();
    let mut position = 0u64;
    for rep in 0..runs {
        rng.shuffle(&mut order);
        for &config in &order {
            out.push(Task {
                config,
                rep,
                position,
            });
            position += 1;
        }
    }
    out
}

/// The tasks of one shard: every `count`-th position of the schedule, starting at `index`.
pub fn shard_tasks(tasks: Vec<Task>, shard: Option<Shard>) -> Vec<Task> {
    match shard {
        None => tasks,
        Some(s) => tasks
            .into_iter()
            .filter(|t| t.position % s.count == s.index)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_configs() {
        let c = parse_config("nolock:MPS_DISABLE_ENCODING_MUTEX=1,OTHER=a=b").unwrap();
        assert_eq!(c.name, "nolock");
        assert_eq!(
            c.env,
            vec![
                EnvChange::Set {
                    var: "MPS_DISABLE_ENCODING_MUTEX".into(),
                    value: "1".into()
                },
                EnvChange::Set {
                    var: "OTHER".into(),
                    value: "a=b".into()
                },
            ]
        );
        assert_eq!(c.describe_env(), "MPS_DISABLE_ENCODING_MUTEX=1, OTHER=a=b");
        let d = parse_config("plain").unwrap();
        assert!(d.env.is_empty());
        let e = parse_config("x:!FOO").unwrap();
        assert_eq!(e.env, vec![EnvChange::Unset { var: "FOO".into() }]);
        for bad in [":A=1", "x:A", "x:=1", "a/b:A=1"] {
            assert!(parse_config(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn duplicate_names_rejected() {
        let a = parse_config("a:X=1").unwrap();
        assert!(check_configs(&[a.clone(), a.clone()]).is_err());
        assert!(check_configs(&[]).is_err());
        assert!(check_configs(&[a]).is_ok());
    }

    #[test]
    fn shards_parse() {
        assert_eq!(parse_shard("0/4").unwrap(), Shard { index: 0, count: 4 });
        for bad in ["4/4", "1/0", "x/2", "3"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn schedule_blocks_hold_each_config_once() {
        let tasks = schedule(3, 50, 7);
        assert_eq!(tasks.len(), 150);
        for (b, block) in tasks.chunks(3).enumerate() {
            let mut cs: Vec<usize> = block.iter().map(|t| t.config).collect();
            cs.sort();
            assert_eq!(cs, vec![0, 1, 2]);
            assert!(block.iter().all(|t| t.rep == b as u64));
        }
        // Shuffled: configuration 0 is not always first.
        assert!(tasks.chunks(3).any(|b| b[0].config != 0));
        // Same seed, same schedule.
        assert_eq!(tasks, schedule(3, 50, 7));
        assert_ne!(tasks, schedule(3, 50, 8));
    }

    #[test]
    fn shards_partition_the_schedule() {
        let all = schedule(2, 10, 1);
        let mut seen: Vec<(usize, u64)> = Vec::new();
        for i in 0..3 {
            let part = shard_tasks(all.clone(), Some(Shard { index: i, count: 3 }));
            seen.extend(part.iter().map(|t| (t.config, t.rep)));
        }
        seen.sort();
        let mut want: Vec<(usize, u64)> = all.iter().map(|t| (t.config, t.rep)).collect();
        want.sort();
        assert_eq!(seen, want);
    }
}
