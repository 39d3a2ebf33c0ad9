//! Apple `.ips` JSON reports (bug_type 309, format version 2).
