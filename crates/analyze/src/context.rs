//! What every pass can see: the report and the knowledge tables, plus the owner
//! helpers (who owns an image or a frame) that several passes share.
//!
//! [`Context::new`] uses the built-in tables. [`Context::with_rules_dir`] adds
//! every `*.toml` file of a directory (the CLI's `--rules DIR`): a file of
//! `[[rule]]` tables adds owner rules (format: `knowledge/owners.toml`), a file
//! of `[[skip]]`/`[[prefix]]` tables adds frame-list entries (format:
//! `knowledge/frames.toml`). Files are read in name order; a later file takes
//! precedence over earlier ones and over the built-in tables. A file that is
//! neither, or is invalid, is an error naming the file.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crashlens_knowledge::frames::{self, FrameLists};
use crashlens_knowledge::owners::{self, OwnerMatch, OwnerRules, Subject};
use crashlens_knowledge::thread_states::{self, ThreadStates};
use crashlens_knowledge::KnowledgeError;
use crashlens_model::{CrashReport, Frame, Image};

pub struct Context<'a> {
    pub report: &'a CrashReport,
    pub owners: Cow<'static, OwnerRules>,
    pub frames: Cow<'static, FrameLists>,
    pub thread_states: &'static ThreadStates,
    /// The directory given to [`Context::with_rules_dir`], if any.
    pub rules_dir: Option<PathBuf>,
    main_image: std::sync::OnceLock<Option<usize>>,
    /// Where the process path's `.app/` bundle directory ends ([`Context::app_bundle_dir`]).
    app_bundle_end: std::sync::OnceLock<Option<usize>>,
}

impl<'a> Context<'a> {
    pub fn new(report: &'a CrashReport) -> Self {
        Context {
            report,
            owners: Cow::Borrowed(owners::builtin()),
            frames: Cow::Borrowed(frames::builtin()),
            thread_states: thread_states::builtin(),
            rules_dir: None,
            main_image: std::sync::OnceLock::new(),
            app_bundle_end: std::sync::OnceLock::new(),
        }
    }

    /// Adds the rule files of `dir` (see the module docs). Errors name the file.
    pub fn with_rules_dir(mut self, dir: &Path) -> Result<Self, KnowledgeError> {
        let io = |source| KnowledgeError::Io {
            file: dir.display().to_string(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        files.sort();
        for path in files {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|source| KnowledgeError::Io {
                file: name.clone(),
                source,
            })?;
            // Each file is one kind, told apart by its tables ([[rule]] or
            // [[skip]]/[[prefix]]); a file that is neither is an error.
            match (
                OwnerRules::parse(&name, &text),
                FrameLists::parse(&name, &text),
            ) {
                (Ok(owners), _) => {
                    self.owners = Cow::Owned(self.owners.into_owned().with_rules(owners));
                }
                (Err(_), Ok(lists)) => {
                    self.frames = Cow::Owned(self.frames.into_owned().with_lists(lists));
                }
                (Err(owners_err), Err(frames_err)) => {
                    let looks_like_frames =
                        text.contains("[[skip]]") || text.contains("[[prefix]]");
                    return Err(if looks_like_frames {
                        frames_err
                    } else {
                        owners_err
                    });
                }
            }
        }
        self.rules_dir = Some(dir.to_path_buf());
        Ok(self)
    }

    /// Index of the process's main executable in `report.images`: the image whose
    /// path is the process path, else the one named like the process.
    pub fn main_image_index(&self) -> Option<usize> {
        *self.main_image.get_or_init(|| self.find_main_image())
    }

    fn find_main_image(&self) -> Option<usize> {
        let r = self.report;
        let real = |i: &&Image| !i.placeholder;
        if let Some(path) = r.process.path.as_deref() {
            if let Some(i) = r
                .images
                .iter()
                .position(|im| real(&im) && im.path.as_deref() == Some(path))
            {
                return Some(i);
            }
        }
        let name = r.process.name.as_deref()?;
        r.images.iter().position(|im| {
            real(&im) && (im.name.as_deref() == Some(name) || im.bundle_id.as_deref() == Some(name))
        })
    }

    /// The app's bundle directory ("/Applications/Foo.app/"), from the process path.
    pub fn app_bundle_dir(&self) -> Option<&str> {
        let path = self.report.process.path.as_deref()?;
        // Asked for every frame: the search runs once.
        let end = (*self
            .app_bundle_end
            .get_or_init(|| path.find(".app/").map(|i| i + ".app/".len())))?;
        path.get(..end)
    }

    fn subject<'s>(&'s self, image: Option<&'s Image>, frame: Option<&'s Frame>) -> Subject<'s> {
        let main = self
            .main_image_index()
            .and_then(|i| self.report.images.get(i));
        let is_main = match (image, main) {
            (Some(im), Some(m)) => std::ptr::eq(im, m),
            (None, _) => {
                // A frame with no image entry: compare its image name with the process.
                let fname = frame.and_then(|f| f.image.as_deref());
                fname.is_some() && fname == self.report.process.name.as_deref()
            }
            _ => false,
        };
        let path = image.and_then(|i| i.path.as_deref());
        let in_app_bundle = !is_main
            && match (path, self.app_bundle_dir()) {
                (Some(p), Some(dir)) => p.starts_with(dir),
                _ => false,
            };
        Subject {
            frame_image: frame.and_then(|f| f.image.as_deref()),
            image_name: image.and_then(|i| i.name.as_deref()),
            bundle_id: image.and_then(|i| i.bundle_id.as_deref()),
            path,
            symbol: frame.and_then(|f| f.symbol.as_deref()),
            is_main,
            in_app_bundle,
            user_code: image.is_some_and(|i| i.user_code),
        }
    }

    /// Who owns an image.
    pub fn image_owner(&self, image: &Image) -> OwnerMatch {
        self.owners.classify(&self.subject(Some(image), None))
    }

    /// Who owns a frame: its image's owner, unless a symbol rule is more specific.
    pub fn frame_owner(&self, frame: &Frame) -> OwnerMatch {
        let image = self.report.image_of(frame).filter(|i| !i.placeholder);
        self.owners.classify(&self.subject(image, Some(frame)))
    }

    /// The name to show for a frame's image.
    pub fn frame_image_name(&self, frame: &Frame) -> String {
        if let Some(n) = frame.image.as_deref().filter(|n| !n.trim().is_empty()) {
            return n.to_string();
        }
        match self.report.image_of(frame).filter(|i| !i.placeholder) {
            Some(i) => i.display_name().to_string(),
            None => "???".to_string(),
        }
    }
}
