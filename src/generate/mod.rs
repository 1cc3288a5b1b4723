//! Synthetic data (in progress).
