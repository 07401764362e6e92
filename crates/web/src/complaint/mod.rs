//! Complaints (cases with a regulatory clock): extensions, appraisal, merging repeats and the
//! register.

pub(crate) mod api;
pub(crate) mod pages;
