//! The built-in owner table parses, and classifies the images and symbols the
//! corpus and the seed crash show; bad rule files fail with errors naming the file.

use crashlens_knowledge::owners::{self, OwnerRules, Subject};
use crashlens_knowledge::KnowledgeError;
use crashlens_model::Owner;

fn rules() -> OwnerRules {
    owners::builtin().clone()
}

fn image(name: &str, path: &str) -> (Owner, Option<String>) {
    let m = rules().classify(&Subject {
        image_name: Some(name),
        path: (!path.is_empty()).then_some(path),
        ..Default::default()
    });
    (m.owner, m.detail)
}

#[test]
fn builtin_parses_and_is_cached() {
    let r = OwnerRules::load_builtin().expect("built-in owners.toml must be valid");
    assert!(r.rules().len() > 40);
    assert_eq!(owners::builtin().rules().len(), r.rules().len());
}

#[test]
fn gpu_drivers() {
    let agx = image(
        "AGXMetalG16X",
        "/System/Library/Extensions/AGXMetalG16X.bundle/Contents/MacOS/AGXMetalG16X",
    );
    assert_eq!(agx, (Owner::GpuDriver, Some("AGX (Apple GPU)".into())));
    assert_eq!(image("AGXMetal13_3", "").0, Owner::GpuDriver);
    assert_eq!(image("AMDRadeonX4000GLDriver", "").0, Owner::GpuDriver);
    // Old macOS reports name images by bundle id.
    assert_eq!(
        image("com.apple.AMDRadeonX4000GLDriver", "").0,
        Owner::GpuDriver
    );
    assert_eq!(image("libGPUSupportMercury.dylib", "/System/Library/PrivateFrameworks/GPUSupport.framework/Versions/A/Libraries/libGPUSupportMercury.dylib").0, Owner::GpuDriver);
    assert_eq!(
        image("AppleIntelKBLGraphicsMTLDriver", "").0,
        Owner::GpuDriver
    );
    assert_eq!(image("GeForceMTLDriver", "").0, Owner::GpuDriver);
    assert_eq!(
        image("libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1").0,
        Owner::GpuDriver
    );
    assert_eq!(
        image("libnvidia-glcore.so.535.54.03", "").0,
        Owner::GpuDriver
    );
}

#[test]
fn os_and_runtimes() {
    assert_eq!(
        image(
            "Metal",
            "/System/Library/Frameworks/Metal.framework/Versions/A/Metal"
        ),
        (Owner::OsFramework, Some("Metal".into()))
    );
    assert_eq!(
        image(
            "IOGPU",
            "/System/Library/PrivateFrameworks/IOGPU.framework/Versions/A/IOGPU"
        )
        .0,
        Owner::OsFramework
    );
    assert_eq!(
        image(
            "libsystem_kernel.dylib",
            "/usr/lib/system/libsystem_kernel.dylib"
        )
        .0,
        Owner::OsRuntime
    );
    assert_eq!(
        image("libdispatch.dylib", "/usr/lib/system/libdispatch.dylib"),
        (Owner::OsRuntime, Some("libdispatch".into()))
    );
    assert_eq!(image("dyld", "/usr/lib/dyld").0, Owner::OsRuntime);
    // libobjc lives in /usr/lib, but it is the Objective-C language runtime.
    assert_eq!(
        image("libobjc.A.dylib", "/usr/lib/libobjc.A.dylib"),
        (Owner::LanguageRuntime, Some("Objective-C runtime".into()))
    );
    assert_eq!(
        image("libswiftCore.dylib", "/usr/lib/swift/libswiftCore.dylib").0,
        Owner::LanguageRuntime
    );
    assert_eq!(
        image("libc++abi.dylib", "/usr/lib/libc++abi.dylib").0,
        Owner::LanguageRuntime
    );
    assert_eq!(
        image(
            "Python",
            "/Library/Frameworks/Python.framework/Versions/3.14/Python"
        ),
        (Owner::LanguageRuntime, Some("CPython".into()))
    );
    assert_eq!(image("libpython3.11.so.1.0", "").0, Owner::LanguageRuntime);
    // Anything else under /System is an OS framework; under /usr/lib, OS runtime.
    assert_eq!(
        image(
            "FrontBoardServices",
            "/System/Library/PrivateFrameworks/FrontBoardServices.framework/FrontBoardServices"
        ),
        (Owner::OsFramework, None)
    );
    assert_eq!(
        image("libz.1.dylib", "/usr/lib/libz.1.dylib"),
        (Owner::OsRuntime, None)
    );
    assert_eq!(image("UIKitCore", "").0, Owner::OsFramework);
    assert_eq!(image("com.apple.AppKit", "").0, Owner::OsFramework);
}

#[test]
fn ml_frameworks() {
    let p = "/Users/USER/*/lib/python3.14/site-packages/torch/lib/libtorch_cpu.dylib";
    assert_eq!(
        image("libtorch_cpu.dylib", p),
        (Owner::MlFramework, Some("PyTorch".into()))
    );
    assert_eq!(
        image("libtorch_python.dylib", ""),
        (Owner::MlFramework, Some("PyTorch Python bindings".into()))
    );
    assert_eq!(image("libc10.dylib", "").0, Owner::MlFramework);
    assert_eq!(image("libmlx.dylib", "").0, Owner::MlFramework);
    assert_eq!(image("libggml-metal.dylib", "").0, Owner::MlFramework);
    assert_eq!(image("libllama.dylib", "").0, Owner::MlFramework);
    assert_eq!(image("libonnxruntime.1.17.dylib", "").0, Owner::MlFramework);
    // A package's extension module outside a known framework: a Python package.
    assert_eq!(
        image(
            "_foo.cpython-312-darwin.so",
            "/x/site-packages/foo/_foo.cpython-312-darwin.so"
        )
        .0,
        Owner::ThirdParty
    );
}

#[test]
fn main_executable_app_bundle_and_user_code() {
    let r = rules();
    // The main executable is the app...
    let m = r.classify(&Subject {
        image_name: Some("icdab_planets"),
        path: Some("/private/var/containers/Bundle/Application/X/icdab_planets.app/icdab_planets"),
        is_main: true,
        user_code: true,
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::App);
    assert_eq!(m.origin, "main executable");
    // ...even an Apple process under /System (it is the app of its own report)...
    let m = r.classify(&Subject {
        image_name: Some("SiriNCService"),
        path: Some("/System/Library/CoreServices/SiriNCService.app/SiriNCService"),
        is_main: true,
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::App);
    // ...but a name rule is more specific: a Python process is CPython.
    let m = r.classify(&Subject {
        image_name: Some("Python"),
        is_main: true,
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::LanguageRuntime);
    // Runtime code linked into the app is recognised by symbol.
    let m = r.classify(&Subject {
        image_name: Some("MyApp"),
        symbol: Some("swift_release"),
        is_main: true,
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::LanguageRuntime);
    let m = r.classify(&Subject {
        image_name: Some("MyApp"),
        symbol: Some("-[ViewController viewDidLoad]"),
        is_main: true,
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::App);
    let m = r.classify(&Subject {
        image_name: Some("Alamofire"),
        in_app_bundle: true,
        user_code: true,
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::App);
    let m = r.classify(&Subject {
        image_name: Some("SomeLib.dylib"),
        user_code: true,
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::ThirdParty);
    let m = r.classify(&Subject {
        image_name: Some("???"),
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::Unknown);
}

#[test]
fn later_files_take_precedence() {
    let extra = OwnerRules::parse(
        "mine.toml",
        "[[rule]]\nowner = \"app\"\ndetail = \"our fork\"\nimage = [\"libtorch_cpu*\"]\n",
    )
    .unwrap();
    let r = rules().with_rules(extra);
    let m = r.classify(&Subject {
        image_name: Some("libtorch_cpu.dylib"),
        ..Default::default()
    });
    assert_eq!(
        (m.owner, m.detail.as_deref()),
        (Owner::App, Some("our fork"))
    );
    assert!(m.origin.starts_with("mine.toml"));
    // Rules the file does not override still apply.
    let m = r.classify(&Subject {
        image_name: Some("libc10.dylib"),
        ..Default::default()
    });
    assert_eq!(m.owner, Owner::MlFramework);
}

#[test]
fn with_file_reads_from_disk() {
    let dir = std::env::temp_dir().join(format!("crashlens-owners-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("x.toml");
    std::fs::write(
        &p,
        "[[rule]]\nowner = \"third_party\"\nimage = [\"Foo*\"]\n",
    )
    .unwrap();
    let r = rules().with_file(&p).unwrap();
    assert_eq!(
        r.classify(&Subject {
            image_name: Some("FooKit"),
            ..Default::default()
        })
        .owner,
        Owner::ThirdParty
    );
    let err = rules().with_file(&dir.join("missing.toml")).unwrap_err();
    assert!(matches!(err, KnowledgeError::Io { .. }));
    assert!(err.to_string().contains("missing.toml"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn err(text: &str) -> String {
    OwnerRules::parse("bad.toml", text).unwrap_err().to_string()
}

#[test]
fn bad_files_give_clear_errors() {
    let e = err("[[rule]]\nowner = \"gpu_drvier\"\nimage = [\"X\"]\n");
    assert!(
        e.starts_with("bad.toml:") && e.contains("unknown owner") && e.contains("gpu_drvier"),
        "{e}"
    );
    let e = err("[[rule]]\nowner = \"app\"\nimage_regex = [\"(unclosed\"]\n");
    assert!(e.contains("bad.toml") && e.contains("image_regex"), "{e}");
    let e = err("[[rule]]\nowner = \"app\"\nimage = [\"A\"]\n[[rule]]\nowner = \"os_runtime\"\nimage = [\"a\"]\n");
    assert!(
        e.contains("duplicate") && e.contains("rule 2") && e.contains("rule 1"),
        "{e}"
    );
    let e = err("[[rule]]\nowner = \"app\"\n");
    assert!(e.contains("no condition"), "{e}");
    let e = err("[[rule]]\nowner = \"app\"\nimages = [\"A\"]\n");
    assert!(e.contains("bad.toml") && e.contains("images"), "{e}");
    let e = err("[[rule]]\nowner = \"app\"\nimage = [\"\"]\n");
    assert!(e.contains("empty pattern"), "{e}");
    let e = err("not toml [");
    assert!(e.starts_with("bad.toml:"), "{e}");
}

#[test]
fn glob_semantics() {
    let g = owners::glob("AGX*", false).unwrap();
    assert!(g.is_match("AGXMetalG16X") && g.is_match("agxmetal") && !g.is_match("libAGX"));
    let g = owners::glob("lib?.dylib", true).unwrap();
    assert!(g.is_match("libz.dylib") && !g.is_match("libzz.dylib") && !g.is_match("libzXdylib"));
    assert_eq!(
        owners::parse_owner("ml_framework"),
        Some(Owner::MlFramework)
    );
    assert_eq!(owners::parse_owner("MlFramework"), None);
}
