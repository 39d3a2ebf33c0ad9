// Panics with an index out of bounds. Built by the tests with rustc, once
// unwinding (exit 101) and once with -C panic=abort (SIGABRT).
fn main() {
    let v: Vec<u32> = vec![1, 2, 3];
    let i = std::env::args().count() + 6;
    println!("{}", v[i]);
}
