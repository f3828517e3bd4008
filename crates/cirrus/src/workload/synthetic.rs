//! Synthetic demand generators (work in progress).
