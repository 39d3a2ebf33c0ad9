//! A byte ring that keeps only the last N bytes written to it (the last
//! 64 KiB of a run's stdout or stderr), and counts everything it saw.

#[derive(Debug, Clone)]
pub struct Tail {
    cap: usize,
    buf: Vec<u8>,
    total: u64,
}

impl Tail {
    pub fn new(cap: usize) -> Self {
        Tail {
            cap,
            buf: Vec::new(),
            total: 0,
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.total = self.total.saturating_add(data.len() as u64);
        if data.len() >= self.cap {
            self.buf.clear();
            self.buf.extend_from_slice(&data[data.len() - self.cap..]);
            return;
        }
        self.buf.extend_from_slice(data);
        // Compact only when twice the cap, so pushes stay amortised O(1).
        if self.buf.len() > 2 * self.cap {
            let cut = self.buf.len() - self.cap;
            self.buf.drain(..cut);
        }
    }

    /// The last `cap` bytes.
    pub fn bytes(&self) -> &[u8] {
        let start = self.buf.len().saturating_sub(self.cap);
        &self.buf[start..]
    }

    /// All bytes ever pushed.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether bytes were dropped from the front.
    pub fn truncated(&self) -> bool {
        self.total > self.cap as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_bytes() {
        let mut t = Tail::new(4);
        t.push(b"ab");
        assert_eq!(t.bytes(), b"ab");
        t.push(b"cdef");
        assert_eq!(t.bytes(), b"cdef");
        for b in b"ghijklmnop" {
            t.push(&[*b]);
        }
        assert_eq!(t.bytes(), b"mnop");
        t.push(b"0123456789");
        assert_eq!(t.bytes(), b"6789");
        assert_eq!(t.total(), 26);
        assert!(t.truncated());
        let mut z = Tail::new(0);
        z.push(b"x");
        assert_eq!(z.bytes(), b"");
    }
}
