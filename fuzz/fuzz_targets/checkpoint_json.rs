//! The flow's checkpoint (signed tree head) JSON, as `Checkpoint::to_json` exports it for
//! anchoring elsewhere and `Checkpoint::from_json` reads it back. What must hold:
//! - nothing panics, whatever the text;
//! - a checkpoint that parses survives its own JSON round trip unchanged, and its signed bytes
//!   can be formed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::flow::Checkpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(checkpoint) = Checkpoint::from_json(text) {
        let again = Checkpoint::from_json(&checkpoint.to_json()).expect("own JSON parses");
        assert_eq!(again, checkpoint);
        let _ = checkpoint.signed_bytes();
    }
});
