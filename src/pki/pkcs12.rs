//! PKCS#12 (RFC 7292) import. (Being written.)
