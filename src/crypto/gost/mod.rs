//! GOST R 34.10-2012 / 34.11-2012. (Being written.)
