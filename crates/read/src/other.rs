//! Apple report kinds that are not process crashes: kernel panics (151, 210),
//! jetsam events (298), stackshots (188), resource reports (185).
